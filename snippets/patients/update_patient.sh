PATIENT_ID=1240000000000000001  # use the ID of one of your own patients
base_url="${CLINIKO_API_URL:-https://api.cliniko.com/v1}"
curl --silent --show-error --fail-with-body --max-time 10 --include \
  --request PUT \
  --user "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY to your Cliniko API key first}:" \
  --header "Accept: application/json" \
  --header "User-Agent: Practice Sync (dev@example.com)" \
  --header "Content-Type: application/json" \
  --data '{"email": "william.kaur@example.net"}' \
  --write-out '\n' \
  "${base_url%/}/patients/$PATIENT_ID"
