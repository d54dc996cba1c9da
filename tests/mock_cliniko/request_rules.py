"""Request rules about headers and bodies: User-Agent, Accept, Content-Type, body size and JSON."""

from __future__ import annotations

import json
import re
from typing import Any

from mock_cliniko.errors import ApiError

#: Bodies larger than this are refused with `413`.
MAX_BODY_BYTES = 1024 * 1024

_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def check_user_agent(user_agent: str | None) -> None:
    """Require a `User-Agent` that names the application and a contact e-mail address."""
    if not user_agent or not user_agent.strip():
        raise ApiError(
            400,
            "A User-Agent header is required, naming your application and a contact e-mail address, "
            "for example: Practice Sync (dev@example.com).",
        )
    if not _EMAIL.search(user_agent):
        raise ApiError(
            400,
            "The User-Agent header must include a contact e-mail address, "
            "for example: Practice Sync (dev@example.com).",
        )


def _media_ranges(accept: str) -> list[tuple[str, str, float]]:
    ranges = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        kind, slash, subtype = media.partition("/")
        if not slash or not kind or not subtype:
            continue  # not a media range; ignore it
        quality = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
                if not 0.0 <= quality <= 1.0:
                    quality = 0.0
        ranges.append((kind, subtype, quality))
    return ranges


def accepts_json(accept: str | None) -> bool:
    """Whether an `Accept` header allows `application/json` (a missing header allows anything).

    The most specific range that matches decides, so `application/json;q=0, */*` refuses JSON.
    """
    if accept is None or not accept.strip():
        return True
    best: tuple[int, float] | None = None
    for kind, subtype, quality in _media_ranges(accept):
        if (kind, subtype) == ("application", "json"):
            specificity = 2
        elif (kind, subtype) == ("application", "*"):
            specificity = 1
        elif (kind, subtype) == ("*", "*"):
            specificity = 0
        else:
            continue
        if best is None or specificity > best[0]:
            best = (specificity, quality)
    return best is not None and best[1] > 0


def check_accept(accept: str | None) -> None:
    if not accepts_json(accept):
        raise ApiError(406, "This API only answers with JSON: send Accept: application/json.")


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def parse_json_body(content_type: str | None, body: bytes) -> Any:
    """Decode a request body, which must be JSON sent as `application/json`.

    An empty body decodes to `None`. Raises `ApiError` 415 for another content type and 400 for
    malformed JSON.
    """
    if not body:
        return None
    media = (content_type or "").split(";")[0].strip().lower()
    if media != "application/json":
        raise ApiError(415, "Request bodies must be JSON, sent with Content-Type: application/json.")
    charset = None
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    if charset not in (None, "utf-8", "utf8"):
        raise ApiError(415, "JSON request bodies must be encoded as UTF-8.")
    try:
        value = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
        # An escape such as "\ud800" decodes to a lone surrogate, which no UTF-8 answer can echo back;
        # I-JSON (RFC 7493) forbids them, so such a body is refused like any other bad JSON.
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (UnicodeError, ValueError, RecursionError):
        raise ApiError(400, "The request body is not valid JSON.") from None
    return value
