# Keep a copy of the practice's patients in step: a full copy first, then only what changed. Needs jq.
# Two runs, with a change at the practice between them. The copy is a JSON file of patients by ID.
# The parentheses run this in a subshell, so set -e, exit and trap stay there, not in your shell.
(
  set -euo pipefail
  : "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY to your Cliniko API key first}"

  base="${CLINIKO_API_URL:-https://api.cliniko.com/v1}"
  base="${base%/}"  # drop a trailing slash
  overlap=300  # seconds read again at each run, for changes saved late (see the page)
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  copy="$work/copy.json"
  echo '{}' >"$copy"
  mark=""  # the newest updated_at the copy has seen; keep it with the copy between runs

  # GET a URL (more curl arguments may follow); on 429, wait for Retry-After and send it again.
  get() {
    local attempt status
    for attempt in 1 2 3; do
      status=$(curl --silent --show-error --max-time 10 --get \
        --user "$CLINIKO_API_KEY:" \
        --header "Accept: application/json" \
        --header "User-Agent: Practice Sync (dev@example.com)" \
        --dump-header "$work/headers" --output "$work/body" --write-out '%{http_code}' \
        "$@")
      [ "$status" = 429 ] && [ "$attempt" -lt 3 ] || break
      sleep "$(grep -i '^retry-after:' "$work/headers" | cut -d ' ' -f 2 | tr -d '\r')"
    done
    if [ "$status" != 200 ]; then
      echo "GET $1: expected HTTP 200, got $status: $(cat "$work/body")" >&2
      exit 1
    fi
    cat "$work/body"
  }

  # Every record of a list, one JSON object a line: the first page with the arguments given, then
  # links.next, which carries them on. jq prints a page's next link (or an empty line), then its records.
  fetch() {
    local url="$base/$1" page
    shift
    page=$(get "$url" --data-urlencode "per_page=100" "$@" \
      | jq --raw-output '(.links.next // ""), (.patients[] | tojson)')
    while :; do
      url=${page%%$'\n'*}
      [ "$url" = "$page" ] || printf '%s\n' "${page#*$'\n'}"
      [ -n "$url" ] || break
      page=$(get "$url" | jq --raw-output '(.links.next // ""), (.patients[] | tojson)')
    done
  }

  # One run: fetch what changed since the mark (everything, the first time), fold it into the copy.
  sync() {
    # --8<-- [start:lesson]
    local changed=(--data-urlencode "sort=updated_at")
    if [ -n "$mark" ]; then
      since=$(jq --raw-output --null-input --arg mark "$mark" --argjson overlap "$overlap" \
        '$mark | fromdateiso8601 - $overlap | todateiso8601')
      changed+=(--data-urlencode "q[]=updated_at:>$since")
      echo "$1, what changed since $since (the mark, less the overlap):"
    else
      echo "$1, a full copy:"
    fi
    fetch patients "${changed[@]}" >"$work/active"
    fetch patients/archived "${changed[@]}" >"$work/archived"
    fetch patients/deleted >"$work/deleted"  # always whole: see the page
    # --8<-- [end:lesson]
    # Changed records replace their old copies, deleted ones leave it, and the mark moves on to the
    # newest updated_at seen. jq writes the new copy, and prints the mark and what it counted.
    jq --null-input --slurpfile copy "$copy" --slurpfile active "$work/active" \
      --slurpfile archived "$work/archived" --slurpfile deleted "$work/deleted" \
      '$copy[0] + ($active + $archived | map({(.id): .}) | add // {}) | del(.[$deleted[].id])' \
      >"$work/next.json"
    mv "$work/next.json" "$copy"
    read -r mark active archived deleted held < <(jq --raw-output --null-input --arg mark "$mark" \
      --slurpfile active "$work/active" --slurpfile archived "$work/archived" \
      --slurpfile deleted "$work/deleted" --slurpfile copy "$copy" \
      '[([$mark, ($active + $archived | .[].updated_at)] | map(select(. != "")) | max // ""),
        ($active | length), ($archived | length), ($deleted | length), ($copy[0] | length)] | @tsv')
    echo "  fetched $active active, $archived archived and $deleted deleted patients"
    echo "  the copy holds $held patients; the mark is now ${mark:-(none)}"
  }

  sync "Run 1"

  # Meanwhile, someone at the practice corrects a patient's e-mail address (here, this example does).
  id=$(jq --raw-output 'keys | min' "$copy")
  curl --silent --show-error --fail-with-body --max-time 10 --output /dev/null \
    --user "$CLINIKO_API_KEY:" \
    --header "Accept: application/json" \
    --header "User-Agent: Practice Sync (dev@example.com)" \
    --header "Content-Type: application/json" \
    --request PUT --data '{"email": "new.address@example.com"}' \
    "$base/patients/$id"
  echo "Between the runs, the practice changed the e-mail address of patient $id."

  sync "Run 2"
)
