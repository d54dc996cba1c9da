# Ask for one page of a list: the second page of patients, two patients to a page.
base_url="${CLINIKO_API_URL:-https://api.cliniko.com/v1}"
curl --silent --show-error --fail-with-body --max-time 10 \
  --user "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY to your Cliniko API key first}:" \
  --header "Accept: application/json" \
  --header "User-Agent: Practice Sync (dev@example.com)" \
  --write-out '\n' \
  "${base_url%/}/patients?page=2&per_page=2"
