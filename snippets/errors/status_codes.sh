# Send requests that are each wrong in one way, and print the API's response to each one.
# The parentheses run this in a subshell, so set -e, exit and trap stay there, not in your shell.
(
  set -euo pipefail
  : "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY to your Cliniko API key first}"

  base_url="${CLINIKO_API_URL:-https://api.cliniko.com/v1}"
  base_url="${base_url%/}"  # drop a trailing slash
  a_patient="$base_url/patients/1240000000000000001"  # use the ID of one of your own patients
  key=(--user "$CLINIKO_API_KEY:")
  accept=(--header "Accept: application/json")
  agent=(--header "User-Agent: Practice Sync (dev@example.com)")
  json=(--header "Content-Type: application/json")

  # try STATUS WHAT [curl options]: print what is wrong, then the body and the status of the response;
  # stop unless the status is the one expected.
  try() {
    local expected=$1 response
    echo "$2"
    shift 2
    response=$(curl --silent --show-error --max-time 10 --write-out '\nHTTP %{http_code}' "$@")
    sed 's/^/  /' <<<"$response"
    if [ "${response##*HTTP }" != "$expected" ]; then
      echo "Expected $expected, got ${response##*HTTP }: ${response%$'\n'*}" >&2
      exit 1
    fi
  }

  try 400 "a User-Agent with no contact e-mail (curl/<version> by default)" \
    "${key[@]}" "${accept[@]}" "$base_url/user"
  try 400 "per_page above its maximum" \
    "${key[@]}" "${accept[@]}" "${agent[@]}" "$base_url/patients?per_page=500"
  try 400 "a body that is not valid JSON" \
    "${key[@]}" "${accept[@]}" "${agent[@]}" "${json[@]}" --data '{"first_name": "Ana"' "$base_url/patients"
  try 401 "an API key that does not exist" \
    --user "not-a-real-key:" "${accept[@]}" "${agent[@]}" "$base_url/user"
  try 404 "a patient ID that does not exist" \
    "${key[@]}" "${accept[@]}" "${agent[@]}" "$base_url/patients/1"
  try 405 "a method the path does not offer" \
    "${key[@]}" "${accept[@]}" "${agent[@]}" --request DELETE "$a_patient"
  try 406 "Accept: text/html" \
    "${key[@]}" --header "Accept: text/html" "${agent[@]}" "$base_url/user"
  { printf '{"first_name": "'; head -c 1100000 /dev/zero | tr '\0' 'A'; printf '"}'; } |
    try 413 "a body over the size limit" \
      "${key[@]}" "${accept[@]}" "${agent[@]}" "${json[@]}" --data-binary @- "$base_url/patients"
  try 414 "a URL over the length limit" \
    "${key[@]}" "${accept[@]}" "${agent[@]}" "$base_url/patients?q=first_name:=$(head -c 17000 /dev/zero | tr '\0' A)"
  try 415 "Content-Type: application/x-www-form-urlencoded (curl's default for --data)" \
    "${key[@]}" "${accept[@]}" "${agent[@]}" --data "first_name=Ana&last_name=Rossi" "$base_url/patients"
  try 422 "a blank first name" \
    "${key[@]}" "${accept[@]}" "${agent[@]}" "${json[@]}" --data '{"first_name": "", "last_name": "Rossi"}' "$base_url/patients"
  try 422 "a body that is not a JSON object" \
    "${key[@]}" "${accept[@]}" "${agent[@]}" "${json[@]}" --data '["Ana", "Rossi"]' "$base_url/patients"
  try 431 "headers over the size limit" \
    "${key[@]}" "${accept[@]}" "${agent[@]}" --header "X-Padding: $(head -c 17000 /dev/zero | tr '\0' p)" \
    "$base_url/user"
)
