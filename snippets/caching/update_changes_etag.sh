# Change a patient, then revalidate with the old ETag: the API sends the new version and a new ETag.
# The parentheses run this in a subshell, so set -e, exit and trap stay there, not in your shell.
(
  set -euo pipefail
  : "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY to your Cliniko API key first}"

  base_url="${CLINIKO_API_URL:-https://api.cliniko.com/v1}"
  # use the ID of one of your own patients
  url="${base_url%/}/patients/1240000000000000001"
  headers=$(mktemp)
  trap 'rm -f "$headers"' EXIT

  request() {
    curl --silent --show-error --fail-with-body --max-time 10 \
      --user "$CLINIKO_API_KEY:" \
      --header "Accept: application/json" \
      --header "User-Agent: Practice Sync (dev@example.com)" \
      --dump-header "$headers" --output /dev/null \
      --write-out '%{http_code}' \
      "$@" "$url"
  }
  etag() { grep -i '^etag:' "$headers" | cut -d ' ' -f 2 | tr -d '\r' || true; }

  status=$(request)
  # --8<-- [start:lesson]
  old_etag=$(etag)
  # --8<-- [end:lesson]
  [ -n "$old_etag" ] || { echo "The API sent no ETag: nothing to send in If-None-Match." >&2; exit 1; }
  echo "GET: HTTP $status, ETag: $old_etag"

  # --8<-- [start:lesson]
  status=$(request --request PUT --header "Content-Type: application/json" --data '{"title": "Dr"}')
  # --8<-- [end:lesson]
  echo "PUT: HTTP $status"

  # --8<-- [start:lesson]
  status=$(request --header "If-None-Match: $old_etag")
  # --8<-- [end:lesson]
  echo "GET with If-None-Match: $old_etag"
  echo "  HTTP $status, ETag: $(etag)"
  [ "$status" = 200 ] || { echo "Expected 200 with the changed patient, got $status" >&2; exit 1; }
)
