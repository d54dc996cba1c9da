# With four requests left in the minute, see which responses use one up: all but the 401.
# The parentheses run this in a subshell, so set -e, exit and trap stay there, not in your shell.
(
  set -euo pipefail
  : "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY to your Cliniko API key first}"

  base_url="${CLINIKO_API_URL:-https://api.cliniko.com/v1}"
  base_url="${base_url%/}"  # drop a trailing slash
  headers=$(mktemp)
  trap 'rm -f "$headers"' EXIT

  # get WHAT PATH [curl options]
  get() {
    local what=$1 path=$2
    shift 2
    curl --silent --show-error --max-time 10 \
      --user "$CLINIKO_API_KEY:" \
      --header "Accept: application/json" \
      --header "User-Agent: Practice Sync (dev@example.com)" \
      --dump-header "$headers" --output /dev/null \
      --write-out "HTTP %{http_code}  $what\n" \
      "$@" "$base_url$path"
  }

  get "a read" /user
  [[ $(head -1 "$headers") == HTTP/*" 200"* ]] ||
    { echo "Expected 200 for the first read, got: $(head -1 "$headers" | tr -d '\r')" >&2; exit 1; }
  etag=$(grep -i '^etag:' "$headers" | cut -d ' ' -f 2 | tr -d '\r' || true)
  [ -n "$etag" ] || { echo "The API sent no ETag: nothing to send in If-None-Match." >&2; exit 1; }
  get "the same read, If-None-Match: its ETag" /user --header "If-None-Match: $etag"
  get "a patient that does not exist" /patients/1
  get "a key that does not exist" /user --user "not-a-real-key:"
  get "a read" /user
  get "one more read" /user
  grep -i '^retry-after:' "$headers" | tr -d '\r' ||
    { echo "Expected 429 for the last read, got: $(head -1 "$headers" | tr -d '\r')" >&2; exit 1; }
)
