# Put the sandbox back as it was when it started: its data, its clock and every account's quota.
# Every control answers with the sandbox's state.
curl --silent --show-error --fail-with-body --max-time 10 --request POST --write-out '\n' \
  "${CLINIKO_MOCK_CONTROL_URL:?Start cliniko-sandbox and export the lines it prints first}/reset"
