# Fetch every active patient by following links.next until a page has none. Needs jq.
# The parentheses run this in a subshell, so set -e and exit stay there, not in your shell.
(
  set -euo pipefail
  : "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY to your Cliniko API key first}"

  base_url="${CLINIKO_API_URL:-https://api.cliniko.com/v1}"
  url="${base_url%/}/patients"
  page=0
  fetched=0
  # --8<-- [start:lesson]
  while [ -n "$url" ]; do
  # --8<-- [end:lesson]
    body=$(curl --silent --show-error --fail-with-body --max-time 10 \
      --user "$CLINIKO_API_KEY:" \
      --header "Accept: application/json" \
      --header "User-Agent: Practice Sync (dev@example.com)" \
      "$url")
    page=$((page + 1))
    count=$(jq '.patients | length' <<<"$body")
    fetched=$((fetched + count))
    # --8<-- [start:lesson]
    # links.next is absent on the last page: url becomes empty and the loop ends.
    url=$(jq --raw-output '.links.next // empty' <<<"$body")
    # --8<-- [end:lesson]
    echo "page $page: $count patients, next: ${url:-(none)}"
  done
  echo "fetched $fetched patients; total_entries says $(jq '.total_entries' <<<"$body")"
)
