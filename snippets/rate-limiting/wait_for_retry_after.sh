# On 429, wait as long as Retry-After says and send the request again (a few times at most).
# The parentheses run this in a subshell, so set -e, exit and trap stay there, not in your shell.
(
  set -euo pipefail
  : "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY to your Cliniko API key first}"

  base_url="${CLINIKO_API_URL:-https://api.cliniko.com/v1}"
  url="${base_url%/}/user"
  max_attempts=3
  max_wait=60  # seconds; a longer Retry-After means giving up now rather than waiting
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  header() { grep -i "^$1:" "$work/headers" | cut -d ' ' -f 2- | tr -d '\r'; }

  for attempt in $(seq "$max_attempts"); do
    status=$(curl --silent --show-error --max-time 10 \
      --user "$CLINIKO_API_KEY:" \
      --header "Accept: application/json" \
      --header "User-Agent: Practice Sync (dev@example.com)" \
      --dump-header "$work/headers" --output "$work/body" --write-out '%{http_code}' \
      "$url")
    echo "HTTP $status, Date: $(header date)"
    [ "$status" = 429 ] && [ "$attempt" -lt "$max_attempts" ] || break
    # --8<-- [start:lesson]
    wait=$(header retry-after)
    echo "  Retry-After: $wait, X-RateLimit-Reset: $(header x-ratelimit-reset)"
    [ "$wait" -le "$max_wait" ] || break
    echo "  waiting $wait s"
    sleep "$wait"
    # --8<-- [end:lesson]
  done
  if [ "$status" != 200 ]; then
    echo "Expected HTTP 200, got $status: $(cat "$work/body")" >&2
    exit 1
  fi
  cat "$work/body"
  echo
)
