# Needs jq (to read the JSON) and GNU date (on macOS: brew install coreutils, then use gdate).
# The parentheses run this in a subshell, so exit stops the example, not your shell.
(
  base_url="${CLINIKO_API_URL:-https://api.cliniko.com/v1}"
  user=$(curl --silent --show-error --fail-with-body --max-time 10 \
    --user "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY to your Cliniko API key first}:" \
    --header "Accept: application/json" \
    --header "User-Agent: Practice Sync (dev@example.com)" \
    "${base_url%/}/user") || exit 1
  time_zone=$(jq --raw-output '.time_zone // error("no time_zone in: \(.)")' <<<"$user") || exit 1
  created_at=$(jq --raw-output '.created_at' <<<"$user")

  echo "time_zone:  $time_zone"
  echo "created_at: $created_at"
  # --8<-- [start:lesson]
  echo "local:      $(TZ="$time_zone" date --date="$created_at" '+%Y-%m-%dT%H:%M:%S%:z %Z')"
  # --8<-- [end:lesson]
)
