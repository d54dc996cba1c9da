# The mistake: the same URL with http:// instead of https://.
# No API key on purpose: over plain HTTP it would cross the network unencrypted.
# The parentheses run this in a subshell, so exit stops the example, not your shell.
(
  base_url="${CLINIKO_API_URL:-https://api.cliniko.com/v1}"
  base_url="${base_url%/}"  # drop a trailing slash
  response=$(curl --silent --show-error --max-time 10 --include \
    --header "Accept: application/json" \
    --header "User-Agent: Practice Sync (dev@example.com)" \
    --write-out '\n%{http_code}' \
    "http://${base_url#https://}/user") || exit
  status=${response##*$'\n'}  # the last line, which --write-out added
  response=${response%$'\n'*}
  printf '%s\n' "$response"
  if [ "$status" != 400 ]; then
    echo "Expected 400, got $status: ${response##*$'\n'}" >&2
    exit 1
  fi
)
