# Make the sandbox answer the next request with 503, to see how your code handles a server error.
# The parentheses run this in a subshell, so set -e, pipefail and exit stop the example, not your shell.
(
  set -eo pipefail
  control="${CLINIKO_MOCK_CONTROL_URL:?Start cliniko-sandbox and export the lines it prints first}"
  # --8<-- [start:lesson]
  curl --silent --show-error --fail-with-body --max-time 10 --request POST \
    "$control/fail-next?count=1" | jq -r '"Requests that will fail: \(.failing_next)"'
  # --8<-- [end:lesson]
  for attempt in 1 2; do
    status=$(curl --silent --show-error --max-time 10 --output /dev/null --write-out '%{http_code}' \
      --user "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY first}:" \
      --header "Accept: application/json" \
      --header "User-Agent: Practice Sync (dev@example.com)" \
      "${CLINIKO_API_URL:?Set CLINIKO_API_URL first}/user")
    echo "attempt $attempt: HTTP $status"
    if [ "$attempt" = 1 ]; then expected=503; else expected=200; fi
    if [ "$status" != "$expected" ]; then
      echo "Expected $expected, got $status" >&2
      exit 1
    fi
  done
)
