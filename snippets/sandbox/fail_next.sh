# Make the sandbox answer the next request with 503, to see how your code handles a server error.
# The parentheses run this in a subshell, so set -e, pipefail and exit stop the example, not your shell.
(
  set -eo pipefail
  control="${CLINIKO_MOCK_CONTROL_URL:?Start cliniko-sandbox and export the lines it prints first}"
  control="${control%/}"  # drop a trailing slash
  base_url="${CLINIKO_API_URL:?Set CLINIKO_API_URL first}"
  # --8<-- [start:lesson]
  curl --silent --show-error --fail-with-body --max-time 10 --request POST \
    "$control/fail-next?count=1" | jq -r '"Requests that will fail: \(.failing_next)"'
  # --8<-- [end:lesson]
  for attempt in 1 2; do
    headers=$(curl --silent --show-error --max-time 10 --output /dev/null --dump-header - \
      --user "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY first}:" \
      --header "Accept: application/json" \
      --header "User-Agent: Practice Sync (dev@example.com)" \
      "${base_url%/}/user")
    status=$(head -n 1 <<<"$headers" | cut -d ' ' -f 2)
    echo "attempt $attempt: HTTP $status"
    if [ "$attempt" = 1 ]; then expected=503; else expected=200; fi
    if [ "$status" != "$expected" ]; then
      echo "Expected $expected, got $status" >&2
      exit 1
    fi
    if [ "$status" = 503 ]; then  # wait as long as the sandbox asks before sending it again
      retry_after=$(grep -i '^retry-after:' <<<"$headers" | cut -d ' ' -f 2 | tr -d '\r' || true)
      echo "  Retry-After: ${retry_after:-(none)}; waiting ${retry_after:-1} s"
      sleep "${retry_after:-1}"
    fi
  done
)
