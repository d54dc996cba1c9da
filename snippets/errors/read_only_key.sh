# Try to create a patient with the key of a user whose role may only read patients.
: "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY to your Cliniko API key.}"

curl --silent --show-error --max-time 10 --include \
  --user "$CLINIKO_API_KEY:" \
  --header "Accept: application/json" \
  --header "User-Agent: Practice Sync (dev@example.com)" \
  --header "Content-Type: application/json" \
  --data '{"first_name": "Ana", "last_name": "Rossi"}' \
  --write-out '\n' \
  "${CLINIKO_API_URL:-https://api.cliniko.com/v1}/patients"
