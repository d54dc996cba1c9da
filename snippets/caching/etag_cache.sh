# A small cache for GET with curl's own ETag options: --etag-save keeps the ETag of each response,
# --etag-compare sends it back as If-None-Match. The body is kept only when a new one arrives.
# The parentheses run this in a subshell, so set -e, exit and trap stay there, not in your shell.
(
  set -euo pipefail
  : "${CLINIKO_API_KEY:?Set CLINIKO_API_KEY to your Cliniko API key first}"

  base_url="${CLINIKO_API_URL:-https://api.cliniko.com/v1}"
  url="${base_url%/}/patients?per_page=100"
  cache=$(mktemp -d)
  trap 'rm -rf "$cache"' EXIT

  cached_get() {
    local status
    status=$(curl --silent --show-error --max-time 10 \
      --user "$CLINIKO_API_KEY:" \
      --header "Accept: application/json" \
      --header "User-Agent: Practice Sync (dev@example.com)" \
      --etag-compare "$cache/etag" --etag-save "$cache/etag" \
      --output "$cache/new-body" --write-out '%{http_code}' \
      "$url")
    # --8<-- [start:lesson]
    if [ "$status" = 304 ]; then
      echo "HTTP 304: $(wc -c <"$cache/body") bytes from the cache"
    elif [ "$status" = 200 ]; then
      mv "$cache/new-body" "$cache/body"
    # --8<-- [end:lesson]
      echo "HTTP 200: $(wc -c <"$cache/body") bytes from the API, ETag: $(cat "$cache/etag")"
    else
      echo "HTTP $status: $(cat "$cache/new-body")" >&2
      return 1
    fi
  }

  cached_get
  cached_get
)
