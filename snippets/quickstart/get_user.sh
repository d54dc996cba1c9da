curl --silent --show-error \
  --user "$CLINIKO_API_KEY:" \
  --header "Accept: application/json" \
  --header "User-Agent: Practice Sync (dev@example.com)" \
  --write-out '\n' \
  "${CLINIKO_API_URL:-https://api.cliniko.com/v1}/user"
