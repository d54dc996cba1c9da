# Send a GET again after a 5xx or a 429, waiting as long as Retry-After says, a bounded number of times.
# GET is safe to repeat; do not retry a POST that creates a record this way.
set -euo pipefail
: "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY to your Cliniko API key first}"

url="${CLINIKO_API_URL:-https://api.cliniko.com/v1}/user"
max_attempts=4
max_wait=30
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for attempt in $(seq "$max_attempts"); do
  status=$(curl --silent --show-error --max-time 10 \
    --user "$CLINIKO_API_KEY:" \
    --header "Accept: application/json" \
    --header "User-Agent: Practice Sync (dev@example.com)" \
    --dump-header "$work/headers" --output "$work/body" --write-out '%{http_code}' \
    "$url")
  echo "attempt $attempt: HTTP $status"
  case "$status" in
    429 | 500 | 502 | 503 | 504) ;;
    *) break ;;
  esac
  [ "$attempt" -lt "$max_attempts" ] || break
  retry_after=$(grep -i '^retry-after:' "$work/headers" | cut -d ' ' -f 2 | tr -d '\r' || true)
  if [[ "$retry_after" =~ ^[0-9]+$ ]]; then
    wait=$((retry_after < max_wait ? retry_after : max_wait))
  else
    wait=$((2 ** attempt))  # no advice from the server: back off exponentially
  fi
  echo "  $(cat "$work/body")"
  echo "  Retry-After: ${retry_after:-(none)}; waiting $wait s"
  sleep "$wait"
done
cat "$work/body"
echo
