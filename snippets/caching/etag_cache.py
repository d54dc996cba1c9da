"""A small cache for GET: keep each response with its ETag, and reuse it when the API says 304."""

import json
import os
import sys

import requests

BASE_URL = (os.environ.get("CLINIKO_API_URL") or "https://api.cliniko.com/v1").rstrip("/")
API_KEY = os.environ.get("CLINIKO_API_KEY")
if not API_KEY:
    sys.exit("Set CLINIKO_API_KEY to your Cliniko API key first.")

session = requests.Session()
session.auth = (API_KEY, "")
session.headers.update({
    "Accept": "application/json",
    "User-Agent": "Practice Sync (dev@example.com)",
})

cache = {}  # URL -> (ETag, body); one cache per API key, since responses vary by key


def cached_get(url):
    headers = {}
    # --8<-- [start:lesson]
    if url in cache:
        headers["If-None-Match"] = cache[url][0]
    # --8<-- [end:lesson]
    try:
        response = session.get(url, headers=headers, timeout=10)
    except requests.RequestException as error:  # no response at all: refused, timed out, bad certificate
        sys.exit(f"No response from the API: {error}")
    # --8<-- [start:lesson]
    if response.status_code == 304:
        print(f"304 Not Modified: {len(cache[url][1])} bytes from the cache")
        return json.loads(cache[url][1])
    # --8<-- [end:lesson]
    if response.status_code != 200:
        sys.exit(f"Expected 200 or 304, got {response.status_code}: {response.text}")
    # --8<-- [start:lesson]
    if "ETag" in response.headers:
        cache[url] = (response.headers["ETag"], response.content)
    # --8<-- [end:lesson]
    print(f"{response.status_code} {response.reason}: {len(response.content)} bytes from the API, "
          f"ETag: {response.headers.get('ETag')}")
    return response.json()


url = f"{BASE_URL}/patients?per_page=100"
first = cached_get(url)
second = cached_get(url)
print(f"same {len(second['patients'])} patients both times: {'yes' if first == second else 'no'}")
