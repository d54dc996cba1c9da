# Put the sandbox's clock one second before a minute ends, then move it on by a second.
# The parentheses run this in a subshell, so set -e and pipefail stop the example, not your shell.
(
  set -eo pipefail
  control="${CLINIKO_MOCK_CONTROL_URL:?Start cliniko-sandbox and export the lines it prints first}"
  control="${control%/}"  # drop a trailing slash
  # --8<-- [start:lesson]
  curl --silent --show-error --fail-with-body --max-time 10 --request POST \
    "$control/time?at=2026-01-15T09:30:59Z" | jq -r '"Clock: \(.now)"'
  curl --silent --show-error --fail-with-body --max-time 10 --request POST \
    "$control/advance?seconds=1" | jq -r '"Clock: \(.now)"'
  # --8<-- [end:lesson]
)
