# Read a patient, then ask again with If-None-Match: the API responds with 304 and no body.
# The parentheses run this in a subshell, so set -e, exit and trap stay there, not in your shell.
(
  set -euo pipefail
  : "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY to your Cliniko API key first}"

  base_url="${CLINIKO_API_URL:-https://api.cliniko.com/v1}"
  # use the ID of one of your own patients
  url="${base_url%/}/patients/1240000000000000001"
  headers=$(mktemp)
  trap 'rm -f "$headers"' EXIT

  get() {
    curl --silent --show-error --fail-with-body --max-time 10 --include \
      --user "$CLINIKO_API_KEY:" \
      --header "Accept: application/json" \
      --header "User-Agent: Practice Sync (dev@example.com)" \
      --dump-header "$headers" \
      --write-out '\n' \
      "$@" "$url"
  }

  get
  # --8<-- [start:lesson]
  etag=$(grep -i '^etag:' "$headers" | cut -d ' ' -f 2 | tr -d '\r' || true)
  [ -n "$etag" ] || { echo "The API sent no ETag: nothing to send in If-None-Match." >&2; exit 1; }
  echo
  echo "again, with If-None-Match: $etag"
  get --header "If-None-Match: $etag"
  # --8<-- [end:lesson]
  [[ $(head -1 "$headers") == HTTP/*" 304"* ]] ||
    { echo "Expected 304, got: $(head -1 "$headers" | tr -d '\r')" >&2; exit 1; }
)
