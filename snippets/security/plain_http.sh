# The mistake: the same URL with http:// instead of https://.
# No API key on purpose: over plain HTTP it would cross the network unencrypted.
base_url="${CLINIKO_API_URL:-https://api.cliniko.com/v1}"
curl --silent --show-error --max-time 10 --include \
  --header "Accept: application/json" \
  --header "User-Agent: Practice Sync (dev@example.com)" \
  --write-out '\n' \
  "http://${base_url#https://}/user"
