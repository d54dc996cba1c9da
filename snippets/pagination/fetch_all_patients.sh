# Fetch every active patient by following links.next until a page has none.
# Plain grep and cut read the two values the loop needs from the compact JSON.
set -euo pipefail
: "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY to your Cliniko API key first}"

url="${CLINIKO_API_URL:-https://api.cliniko.com/v1}/patients"
page=0
fetched=0
while [ -n "$url" ]; do
  body=$(curl --silent --show-error --fail-with-body --max-time 10 \
    --user "$CLINIKO_API_KEY:" \
    --header "Accept: application/json" \
    --header "User-Agent: Practice Sync (dev@example.com)" \
    "$url")
  page=$((page + 1))
  count=$(grep -o '"archived_at":' <<<"$body" | wc -l)  # one per patient
  fetched=$((fetched + count))
  # links.next is absent on the last page: url becomes empty and the loop ends.
  url=$(grep -o '"next":"[^"]*"' <<<"$body" | cut -d '"' -f 4 || true)
  echo "page $page: $((count)) patients, next: ${url:-(none)}"
done
total=$(grep -o '"total_entries":[0-9]*' <<<"$body" | cut -d ':' -f 2)
echo "fetched $fetched patients; total_entries says $total"
