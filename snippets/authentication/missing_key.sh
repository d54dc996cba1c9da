# The mistake: no --user option.
curl --silent --show-error --max-time 10 --include \
  --header "Accept: application/json" \
  --header "User-Agent: Practice Sync (dev@example.com)" \
  --write-out '\n' \
  "${CLINIKO_API_URL:-https://api.cliniko.com/v1}/user"
