# Create a patient at most once: look for the e-mail address first, and create only if no patient has it.
# Run twice here, as after a create whose response never came. Needs jq.
# The parentheses run this in a subshell, so set -e, exit and trap stay there, not in your shell.
(
  set -euo pipefail
  : "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY to your Cliniko API key first}"

  base="${CLINIKO_API_URL:-https://api.cliniko.com/v1}"
  base="${base%/}"  # drop a trailing slash
  email="ana.silva@example.com"
  api() {
    curl --silent --show-error --fail-with-body --max-time 10 \
      --user "$CLINIKO_API_KEY:" \
      --header "Accept: application/json" \
      --header "User-Agent: Practice Sync (dev@example.com)" \
      "$@"
  }

  create_once() {
    # --8<-- [start:lesson]
    found=$(api --get --data-urlencode "q[]=email:=$email" "$base/patients" | jq --raw-output '.patients[].id')
    # --8<-- [end:lesson]
    if [ -n "$found" ]; then
      echo "  found patient $found with $email: not creating it again"
      return
    fi
    created=$(api --request POST --header "Content-Type: application/json" \
      --data "{\"first_name\": \"Ana\", \"last_name\": \"Silva\", \"email\": \"$email\"}" \
      "$base/patients" | jq --raw-output '.id')
    echo "  no patient has $email: created patient $created"
  }

  echo "First attempt:"
  create_once
  echo "Second attempt, as after a timeout:"
  create_once
)
