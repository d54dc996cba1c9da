# The parentheses run this in a subshell, so pipefail and exit stay there, not in your shell.
(
  set -o pipefail  # a failed curl stops here instead of feeding jq nothing
  # The only place the base URL appears; a trailing slash is dropped.
  base_url="${CLINIKO_API_URL:-https://api.cliniko.com/v1}"
  # --8<-- [start:lesson]
  base_url="${base_url%/}"
  # --8<-- [end:lesson]
  : "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY to your Cliniko API key first}"

  # Built from the base: the entry point of the resource. jq picks the first record's link.
  echo "GET $base_url/patients?per_page=1"
  patient_url=$(curl --silent --show-error --fail-with-body --max-time 10 \
    --user "$CLINIKO_API_KEY:" \
    --header "Accept: application/json" \
    --header "User-Agent: Practice Sync (dev@example.com)" \
    "$base_url/patients?per_page=1" \
    | jq --raw-output '.patients[0].links.self // error("no patient link in: \(.)")') || exit 1
  echo "GET $patient_url"

  # --8<-- [start:lesson]
  # Followed as given: the record's own link is already a complete URL.
  curl --silent --show-error --fail-with-body --max-time 10 \
    --user "$CLINIKO_API_KEY:" \
    --header "Accept: application/json" \
    --header "User-Agent: Practice Sync (dev@example.com)" \
    --write-out '\n' \
    "$patient_url"
  # --8<-- [end:lesson]
)
