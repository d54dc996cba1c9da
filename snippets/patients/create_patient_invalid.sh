# No last_name, and a date of birth that is not YYYY-MM-DD.
curl --silent --show-error --max-time 10 --include \
  --user "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY to your Cliniko API key first}:" \
  --header "Accept: application/json" \
  --header "User-Agent: Practice Sync (dev@example.com)" \
  --header "Content-Type: application/json" \
  --data '{"first_name": "Jordan", "date_of_birth": "23/04/1988"}' \
  --write-out '\n' \
  "${CLINIKO_API_URL:-https://api.cliniko.com/v1}/patients"
