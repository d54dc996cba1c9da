# Send a request when the account has used all its requests for the current window, and show the 429.
# The parentheses run this in a subshell, so exit stops the example, not your shell.
(
  base_url="${CLINIKO_API_URL:-https://api.cliniko.com/v1}"
  response=$(curl --silent --show-error --max-time 10 --include \
    --user "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY to your Cliniko API key first}:" \
    --header "Accept: application/json" \
    --header "User-Agent: Practice Sync (dev@example.com)" \
    --write-out '\n%{http_code}' \
    "${base_url%/}/user") || exit
  status=${response##*$'\n'}  # the last line, which --write-out added
  response=${response%$'\n'*}
  printf '%s\n' "$response"
  if [ "$status" != 429 ]; then
    echo "Expected 429, got $status: ${response##*$'\n'}" >&2
    exit 1
  fi
)
