# A date of birth may be today, but not later: "today" is the date in UTC, whatever your time zone.
# A baby born on the 16th in Sydney, where it is already the 16th while it is the 15th in UTC.
# The parentheses run this in a subshell, so set -e, exit and trap stay there, not in your shell.
(
  set -euo pipefail
  : "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY to your Cliniko API key first}"

  base_url="${CLINIKO_API_URL:-https://api.cliniko.com/v1}"
  url="${base_url%/}/patients/1240000000000000001"  # one of your patients
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  for date_of_birth in 2026-01-16 2026-01-15; do
    status=$(curl --silent --show-error --max-time 10 \
      --request PUT \
      --user "$CLINIKO_API_KEY:" \
      --header "Accept: application/json" \
      --header "User-Agent: Practice Sync (dev@example.com)" \
      --header "Content-Type: application/json" \
      --data "{\"date_of_birth\": \"$date_of_birth\"}" \
      --dump-header "$work/headers" --output "$work/body" --write-out '%{http_code}' \
      "$url")
    if [ "$status" != 200 ] && [ "$status" != 422 ]; then
      echo "Expected HTTP 200 or 422, got $status: $(cat "$work/body")" >&2
      exit 1
    fi
    echo "date_of_birth $date_of_birth, the API's Date: $(grep -i '^date:' "$work/headers" | cut -d ' ' -f 2- | tr -d '\r')"
    echo "  HTTP $status: $(cat "$work/body")"
  done
)
