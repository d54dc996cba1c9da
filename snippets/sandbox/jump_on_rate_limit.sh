# Switch off the clock's jump after a 429, so that a spent quota stays spent until the clock moves.
# The parentheses run this in a subshell, so set -e and pipefail stop the example, not your shell.
(
  set -eo pipefail
  control="${CLINIKO_MOCK_CONTROL_URL:?Start cliniko-sandbox and export the lines it prints first}"
  curl --silent --show-error --fail-with-body --max-time 10 --request POST \
    "${control%/}/jump-on-rate-limit?enabled=false" |
    jq -r '"Clock jumps after a 429: \(if .jump_clock_on_rate_limit then "yes" else "no" end)"'
)
