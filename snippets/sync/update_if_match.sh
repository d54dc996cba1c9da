# Update a patient only if no one else changed it since you read it: If-Match with the ETag you read.
# A second writer comes first here; the If-Match update gets 412, reads again and succeeds. Needs jq.
# The parentheses run this in a subshell, so set -e, exit and trap stay there, not in your shell.
(
  set -euo pipefail
  : "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY to your Cliniko API key first}"

  base_url="${CLINIKO_API_URL:-https://api.cliniko.com/v1}"
  url="${base_url%/}/patients/1240000000000000001"  # one of your patients
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  # Send a request to the patient; print the status, keep the headers and the body in $work.
  request() {
    curl --silent --show-error --max-time 10 \
      --user "$CLINIKO_API_KEY:" \
      --header "Accept: application/json" \
      --header "User-Agent: Practice Sync (dev@example.com)" \
      --dump-header "$work/headers" --output "$work/body" --write-out '%{http_code}' \
      "$@" "$url"
  }
  # The ETag of the last response; without one, If-Match cannot protect the change.
  etag() {
    local tag
    tag=$(grep -i '^etag:' "$work/headers" | cut -d ' ' -f 2- | tr -d '\r' || true)
    [ -n "$tag" ] || { echo "The API sent no ETag: If-Match cannot protect the change." >&2; exit 1; }
    echo "$tag"
  }
  expect() {
    if [ "$1" != "$2" ]; then
      echo "Expected HTTP $2, got $1: $(cat "$work/body")" >&2
      exit 1
    fi
  }

  status=$(request)
  expect "$status" 200
  read_etag=$(etag)
  echo "GET: ETag $read_etag"

  # Someone else saves a change to the same patient first (here, this example does it for them).
  status=$(request --request PUT --header "Content-Type: application/json" --data '{"title": "Dr"}')
  expect "$status" 200
  echo "Another user's PUT: HTTP $status, title $(jq --raw-output .title "$work/body")"

  # --8<-- [start:lesson]
  change='{"email": "w.kaur@example.com"}'
  status=$(request --request PUT --header "If-Match: $read_etag" \
    --header "Content-Type: application/json" --data "$change")
  # --8<-- [end:lesson]
  echo "PUT with If-Match: $read_etag"
  echo "  HTTP $status: $(jq --raw-output .message "$work/body")"
  if [ "$status" = 412 ]; then
    # --8<-- [start:lesson]
    status=$(request)  # read the patient as it is now; decide again whether the change still applies
    expect "$status" 200
    read_etag=$(etag)
    status=$(request --request PUT --header "If-Match: $read_etag" \
      --header "Content-Type: application/json" --data "$change")
    # --8<-- [end:lesson]
    expect "$status" 200
    echo "Read again, PUT with the new ETag: HTTP $status"
  fi
  echo "Now: title $(jq --raw-output .title "$work/body"), email $(jq --raw-output .email "$work/body")"
)
