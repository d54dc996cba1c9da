# --verbose writes the exchange to stderr; sed keeps the request (>) and response (<) lines
# and the body, hides the key, and sends any error from curl back to stderr. The parentheses
# keep pipefail (the status of the pipe is curl's, not sed's) out of your shell.
(
  set -o pipefail
  base_url="${CLINIKO_API_URL:-https://api.cliniko.com/v1}"
  curl --silent --show-error --fail-with-body --max-time 10 --verbose \
    --user "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY to your Cliniko API key first}:" \
    --header "Accept: application/json" \
    --header "User-Agent: Practice Sync (dev@example.com)" \
    --write-out '\n' \
    "${base_url%/}/user" 2>&1 \
    | sed -n -E \
        -e 's/^(> Authorization: Basic ).*/\1[your key, base64-encoded]/' \
        -e '/^([<>] |[<>]$|\{")/p' \
        -e '/^curl: /w /dev/stderr'
)
