# Switch off the clock's jump after a 429, so that a spent quota stays spent until the clock moves.
curl --silent --show-error --fail-with-body --max-time 10 --request POST --write-out '\n' \
  "${CLINIKO_MOCK_CONTROL_URL:?Start cliniko-sandbox and export the lines it prints first}/jump-on-rate-limit?enabled=false"
