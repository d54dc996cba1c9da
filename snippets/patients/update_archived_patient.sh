PATIENT_ID=1240000000000000007  # an archived patient
curl --silent --show-error --max-time 10 --include \
  --request PUT \
  --user "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY to your Cliniko API key first}:" \
  --header "Accept: application/json" \
  --header "User-Agent: Practice Sync (dev@example.com)" \
  --header "Content-Type: application/json" \
  --data '{"email": "new.address@example.com"}' \
  --write-out '\n' \
  "${CLINIKO_API_URL:-https://api.cliniko.com/v1}/patients/$PATIENT_ID"
