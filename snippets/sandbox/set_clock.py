"""Put the sandbox's clock one second before a minute ends, then move it on by a second."""

import os
import sys

import requests

CONTROL_URL = (os.environ.get("CLINIKO_MOCK_CONTROL_URL") or "").rstrip("/")
if not CONTROL_URL:
    sys.exit("Start cliniko-sandbox and export the lines it prints first.")


def control(path, **params):
    """Send one control; stop with the sandbox's message if it refuses."""
    try:
        response = requests.post(f"{CONTROL_URL}{path}", params=params, timeout=10)
    except requests.RequestException as error:
        sys.exit(f"No response from the sandbox's controls: {error}")
    if response.status_code != 200:
        sys.exit(f"{path}: expected 200, got {response.status_code}: {response.text}")
    return response.json()


# --8<-- [start:lesson]
print("Clock:", control("/time", at="2026-01-15T09:30:59Z")["now"])
print("Clock:", control("/advance", seconds="1")["now"])
# --8<-- [end:lesson]
