# Read the sandbox's state: its clock, its switches, and how many requests each account has left.
# The control port has no key and needs no headers; the sandbox's CA comes from CURL_CA_BUNDLE.
control="${CLINIKO_MOCK_CONTROL_URL%/}"  # without a trailing slash
curl --silent --show-error --fail-with-body --max-time 10 --write-out '\n' \
  "${control:?Start cliniko-sandbox and export the lines it prints first}/status"
