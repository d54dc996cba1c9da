"""The numbers of the API's contract, each written once: the sandbox enforces them, the pages show them,
and the tests read them from here.

A page shows one with the inline shortcode `<!-- md:contract NAME -->`, which the build replaces with
`shown(NAME)`. The descriptions (`docs/openapi.yaml`, `docs/sandbox-control.yaml`) state some of them
too, as OpenAPI requires, and `tests/contract/test_contract_numbers.py` checks that they state the same
values, and that every `per_page` an example sends is one the API serves (or one it shows refused). To
change a number: change it here, change each place that test names, and run `make update-outputs` and
`make postman`.
"""

from __future__ import annotations

#: Records on a page of a list when `per_page` is not given, and the most a page holds.
PER_PAGE_DEFAULT = 50
PER_PAGE_MAX = 100
#: The highest `page` a list takes: the largest signed 32-bit integer.
PAGE_MAX = 2**31 - 1
#: The largest request body, in bytes.
MAX_BODY_BYTES = 1024 * 1024
#: The largest request head (the request line and the headers together), in bytes; the request line
#: alone may not be longer either.
MAX_HEAD_BYTES = 16 * 1024
#: The longest `User-Agent`, in characters.
MAX_USER_AGENT_LENGTH = 1024
#: Requests each account may make in a window of `RATE_LIMIT_WINDOW_SECONDS`.
RATE_LIMIT = 500
RATE_LIMIT_WINDOW_SECONDS = 60
#: The longest value of each patient text field, in characters, counted as sent (before the spaces around
#: it are removed). Titles and names follow the API's pages; 254 is the longest address SMTP carries (RFC
#: 5321's 256-octet path, less its angle brackets); a date of birth is always `YYYY-MM-DD`.
FIELD_LIMITS = {"title": 20, "first_name": 100, "last_name": 100, "date_of_birth": 10, "email": 254}
#: The most problems a `422` lists; the rest are counted in `errors_not_listed`.
MAX_LISTED_ERRORS = 20
#: How many characters of a name the API does not know (a field, a query parameter) a message quotes.
NAME_SHOWN = 40


def size_in_words(size: int) -> str:
    """`1048576` as "1 MiB", `16384` as "16 KiB": how the pages and the API's messages name a size."""
    for unit, name in ((1024 * 1024, "MiB"), (1024, "KiB")):
        if size % unit == 0:
            return f"{size // unit} {name}"
    return f"{size:,} bytes"


def period_in_words(seconds: int) -> str:
    """`60` as "minute", `30` as "30 seconds": what follows "per" in "500 requests per minute"."""
    return "minute" if seconds == 60 else f"{seconds} seconds"


#: The text a page shows for each name, as the build puts it in place of `<!-- md:contract NAME -->`.
SHOWN: dict[str, str] = {
    "per_page_default": str(PER_PAGE_DEFAULT),
    "per_page_max": str(PER_PAGE_MAX),
    "per_page_max_plus_one": str(PER_PAGE_MAX + 1),
    "max_body": size_in_words(MAX_BODY_BYTES),
    "max_body_bytes": f"{MAX_BODY_BYTES:,}",
    "max_head": size_in_words(MAX_HEAD_BYTES),
    "max_head_bytes": f"{MAX_HEAD_BYTES:,}",
    "rate_limit": f"{RATE_LIMIT:,}",
    "rate_limit_window": f"{RATE_LIMIT_WINDOW_SECONDS} seconds",
    "rate_limit_period": period_in_words(RATE_LIMIT_WINDOW_SECONDS),
    "max_listed_errors": str(MAX_LISTED_ERRORS),
    "name_shown": str(NAME_SHOWN),
    **{f"max_length_{name}": str(limit) for name, limit in FIELD_LIMITS.items()},
}


def shown(name: str) -> str:
    """The text of a contract number on a page; a `KeyError` that lists the names for an unknown one."""
    try:
        return SHOWN[name]
    except KeyError:
        raise KeyError(f"no contract number is named {name!r}; the names are: {', '.join(sorted(SHOWN))}") from None
