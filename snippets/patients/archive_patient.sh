PATIENT_ID=1240000000000000001  # use the ID of one of your own patients
base_url="${CLINIKO_API_URL:-https://api.cliniko.com/v1}"
base_url="${base_url%/}"  # drop a trailing slash
: "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY to your Cliniko API key first}"

curl --silent --show-error --fail-with-body --max-time 10 --include \
  --request POST \
  --user "$CLINIKO_API_KEY:" \
  --header "Accept: application/json" \
  --header "User-Agent: Practice Sync (dev@example.com)" \
  "$base_url/patients/$PATIENT_ID/archive" &&
  # Read it back, once the archive succeeded: archived_at is now set.
  curl --silent --show-error --fail-with-body --max-time 10 \
    --user "$CLINIKO_API_KEY:" \
    --header "Accept: application/json" \
    --header "User-Agent: Practice Sync (dev@example.com)" \
    --write-out '\n' \
    "$base_url/patients/$PATIENT_ID"
