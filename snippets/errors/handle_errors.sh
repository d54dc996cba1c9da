# Check the status of every response before using it: create a patient, archive it, then try to change it.
# The parentheses run this in a subshell, so set -e, exit and trap stay there, not in your shell.
(
  set -euo pipefail
  : "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY to your Cliniko API key first}"

  base_url="${CLINIKO_API_URL:-https://api.cliniko.com/v1}"
  base_url="${base_url%/}"  # drop a trailing slash
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT

  # call METHOD URL [curl options]: send one request, print its status and keep it in $status. An error
  # status stops the script with the error body, unless it is the one the caller is ready for
  # (OK_ERROR=422 call ...).
  call() {
    local method=$1 url=$2
    shift 2
    status=$(curl --silent --show-error --max-time 10 \
      --user "$CLINIKO_API_KEY:" \
      --header "Accept: application/json" \
      --header "User-Agent: Practice Sync (dev@example.com)" \
      --header "Content-Type: application/json" \
      --request "$method" "$@" \
      --dump-header "$work/headers" --output "$work/body" --write-out '%{http_code}' \
      "$url")
    echo "$method ${url#"$base_url"} -> HTTP $status"
    # --8<-- [start:lesson]
    if [ "$status" -ge 400 ] && [ "$status" != "${OK_ERROR:-}" ]; then
      echo "Stopped by HTTP $status: $(cat "$work/body")" >&2
      exit 1
    fi
    # --8<-- [end:lesson]
  }

  call POST "$base_url/patients" --data '{"first_name": "Ana", "last_name": "Rossi"}'
  patient_url=$(grep -i '^location:' "$work/headers" | cut -d ' ' -f 2 | tr -d '\r')
  echo "  Location: $patient_url"
  call POST "$patient_url/archive"
  # First a value the API refuses (422), then a valid change, which the archived patient refuses (409).
  OK_ERROR=422 call PUT "$patient_url" --data '{"email": "ana.rossi"}'
  echo "  $(cat "$work/body")"
  if [ "$status" != 422 ]; then
    echo "Expected 422, got $status: the e-mail address was accepted" >&2
    exit 1
  fi
  OK_ERROR=409 call PUT "$patient_url" --data '{"email": "ana.rossi@example.com"}'
  echo "  $(cat "$work/body")"
  if [ "$status" != 409 ]; then
    echo "Expected 409, got $status: the archived patient was changed" >&2
    exit 1
  fi
)
