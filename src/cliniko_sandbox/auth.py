"""HTTP Basic authentication with the API key as the username (RFC 7617).

The password is ignored: Cliniko keys are sent as `KEY:` (an empty password). Any problem with the
`Authorization` header is a `401` carrying `WWW-Authenticate`, so that clients know how to authenticate.
"""

from __future__ import annotations

import base64

from cliniko_sandbox.errors import ApiError
from cliniko_sandbox.state import Store, User

REALM = "Cliniko API"
CHALLENGE = {"WWW-Authenticate": f'Basic realm="{REALM}", charset="UTF-8"'}


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, message, headers=CHALLENGE)


def authenticate(authorization: str | None, store: Store) -> User:
    """Return the user whose key the header carries, or raise a `401` `ApiError`."""
    if not authorization:
        raise _unauthorized(
            "Authentication required: send your API key as the username of HTTP Basic authentication."
        )
    scheme, _, credentials = authorization.strip().partition(" ")
    if scheme.lower() != "basic" or not credentials.strip():
        raise _unauthorized("Only HTTP Basic authentication is supported, with your API key as the username.")
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except ValueError:  # bad base64 (binascii.Error), non-ASCII characters, or bytes that are not UTF-8
        raise _unauthorized("The Authorization header is not valid Basic credentials.") from None
    api_key, colon, _password = decoded.partition(":")
    if not colon or not api_key:
        raise _unauthorized("The Authorization header is not valid Basic credentials.")
    user = store.user_for_key(api_key)
    if user is None:
        raise _unauthorized("The API key is not valid.")
    return user
