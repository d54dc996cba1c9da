# Put the sandbox back as it was when it started: its data, its clock and every account's quota.
# Every control answers with the sandbox's state; jq picks the clock and the quotas out of it.
# The parentheses run this in a subshell, so set -e and pipefail stop the example, not your shell.
(
  set -eo pipefail
  control="${CLINIKO_MOCK_CONTROL_URL:?Start cliniko-sandbox and export the lines it prints first}"
  curl --silent --show-error --fail-with-body --max-time 10 --request POST \
    "${control%/}/reset" |
    jq -r '"Clock: \(.now)", (.accounts[] | "Account \(.id): \(.remaining) requests left this minute")'
)
