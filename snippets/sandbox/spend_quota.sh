# Leave the demo practice no requests this minute, then see the API refuse the next one with 429.
# The parentheses run this in a subshell, so set -e, pipefail and exit stop the example, not your shell.
(
  set -eo pipefail
  control="${CLINIKO_MOCK_CONTROL_URL:?Start cliniko-sandbox and export the lines it prints first}"
  control="${control%/}"  # drop a trailing slash
  base_url="${CLINIKO_API_URL:?Set CLINIKO_API_URL first}"
  account=1210000000000000001  # the demo practice, Harbourside Physiotherapy
  # --8<-- [start:lesson]
  curl --silent --show-error --fail-with-body --max-time 10 --request POST \
    "$control/remaining?account=$account&remaining=0" |
    jq -r --arg id "$account" '.accounts[] | select(.id == $id) | "Requests left: \(.remaining)"'
  # --8<-- [end:lesson]
  response=$(curl --silent --show-error --max-time 10 --include \
    --user "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY first}:" \
    --header "Accept: application/json" \
    --header "User-Agent: Practice Sync (dev@example.com)" \
    --write-out '\n%{http_code}' \
    "${base_url%/}/user")
  status=${response##*$'\n'}  # the last line, which --write-out added
  response=${response%$'\n'*}
  printf '%s\n' "${response%%$'\r'*}"  # the status line
  if [ "$status" != 429 ]; then
    echo "Expected 429, got $status: ${response##*$'\n'}" >&2
    exit 1
  fi
  grep -i '^retry-after:' <<<"$response" | tr -d '\r'
)
