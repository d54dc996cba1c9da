base_url="${CLINIKO_API_URL:-https://api.cliniko.com/v1}"
curl --silent --show-error --fail-with-body --max-time 10 --include \
  --user "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY to your Cliniko API key first}:" \
  --header "Accept: application/json" \
  --header "User-Agent: Practice Sync (dev@example.com)" \
  --header "Content-Type: application/json" \
  --data '{
    "title": "Ms",
    "first_name": "Jordan",
    "last_name": "Ellis",
    "date_of_birth": "1988-04-23",
    "email": "jordan.ellis@example.com"
  }' \
  --write-out '\n' \
  "${base_url%/}/patients"
