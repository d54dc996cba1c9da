# Send a GET again after a 5xx, a 429 or a timeout, waiting as long as Retry-After says, a bounded
# number of times. GET is safe to repeat; do not retry a POST that creates a record this way.
# The parentheses run this in a subshell, so set -e, exit and trap stay there, not in your shell.
(
  set -euo pipefail
  : "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY to your Cliniko API key first}"

  base_url="${CLINIKO_API_URL:-https://api.cliniko.com/v1}"
  url="${base_url%/}/user"
  max_attempts=4
  max_wait=30  # seconds: the longest wait for one retry; a longer Retry-After means giving up
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT

  for attempt in $(seq "$max_attempts"); do
    curl_exit=0
    status=$(curl --silent --show-error --max-time 10 \
      --user "$CLINIKO_API_KEY:" \
      --header "Accept: application/json" \
      --header "User-Agent: Practice Sync (dev@example.com)" \
      --dump-header "$work/headers" --output "$work/body" --write-out '%{http_code}' \
      "$url") || curl_exit=$?
    retry_after=
    # --8<-- [start:lesson]
    if [ "$curl_exit" = 28 ]; then  # curl's exit 28: no response in time, which may pass like a 5xx
      echo "attempt $attempt: timed out"
    # --8<-- [end:lesson]
    elif [ "$curl_exit" != 0 ]; then  # refused, bad certificate: curl said why, and a retry won't help
      exit "$curl_exit"
    else
      echo "attempt $attempt: HTTP $status"
      case "$status" in
        429 | 500 | 502 | 503 | 504) ;;
        *) break ;;
      esac
      # --8<-- [start:lesson]
      retry_after=$(grep -i '^retry-after:' "$work/headers" | cut -d ' ' -f 2 | tr -d '\r' || true)
      # --8<-- [end:lesson]
    fi
    [ "$attempt" -lt "$max_attempts" ] || break
    # --8<-- [start:lesson]
    if [[ "$retry_after" =~ ^[0-9]+$ ]]; then
      # Asked to wait longer than the cap: give up rather than retry early.
      [ "$retry_after" -le "$max_wait" ] || break
      wait=$retry_after
    else
      # No advice from the server: back off exponentially, with jitter (a random wait up to the cap).
      cap=$((2 ** attempt < max_wait ? 2 ** attempt : max_wait))
      wait=$((RANDOM % (cap + 1)))
    fi
    # --8<-- [end:lesson]
    [ "$curl_exit" != 0 ] || echo "  $(cat "$work/body")"
    echo "  Retry-After: ${retry_after:-(none)}; waiting $wait s"
    sleep "$wait"
  done
  if [ "$curl_exit" != 0 ] || [ "$status" != 200 ]; then
    echo "Gave up after $attempt attempts: ${status:-no response} $(cat "$work/body" 2>/dev/null)" >&2
    exit 1
  fi
  cat "$work/body"
  echo
)
