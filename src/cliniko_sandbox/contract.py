"""The numbers of the API's contract, each written once: the sandbox enforces them, the pages show them,
and the tests read them from here.

A page shows one with the inline shortcode `<!-- md:contract NAME -->`, which the build replaces with
`shown(NAME)`. The description (`docs/openapi.yaml`) states some of them too, as OpenAPI requires; a
test checks that it states the same values. To change a number: change it here, change it in the
description where the test points, and run `make update-outputs`.
"""

from __future__ import annotations

#: Records on a page of a list when `per_page` is not given, and the most a page holds.
PER_PAGE_DEFAULT = 50
PER_PAGE_MAX = 100
#: The largest request body, in bytes.
MAX_BODY_BYTES = 1024 * 1024
#: Requests each user may make in a window of `RATE_LIMIT_WINDOW_SECONDS`.
RATE_LIMIT = 500
RATE_LIMIT_WINDOW_SECONDS = 60
#: The longest value of each patient text field, in characters.
FIELD_LIMITS = {"title": 20, "first_name": 100, "last_name": 100, "date_of_birth": 10, "email": 254}
#: The most problems a `422` lists; the rest are counted in `errors_not_listed`.
MAX_LISTED_ERRORS = 20


def _size(size: int) -> str:
    """`1048576` as "1 MiB", `16384` as "16 KiB"."""
    for unit, name in ((1024 * 1024, "MiB"), (1024, "KiB")):
        if size % unit == 0:
            return f"{size // unit} {name}"
    return f"{size:,} bytes"


#: The text a page shows for each name, as the build puts it in place of `<!-- md:contract NAME -->`.
SHOWN: dict[str, str] = {
    "per_page_default": str(PER_PAGE_DEFAULT),
    "per_page_max": str(PER_PAGE_MAX),
    "per_page_max_plus_one": str(PER_PAGE_MAX + 1),
    "max_body": _size(MAX_BODY_BYTES),
    "max_body_bytes": f"{MAX_BODY_BYTES:,}",
    "rate_limit": f"{RATE_LIMIT:,}",
    "rate_limit_window": f"{RATE_LIMIT_WINDOW_SECONDS} seconds",
    "max_listed_errors": str(MAX_LISTED_ERRORS),
    **{f"max_length_{name}": str(limit) for name, limit in FIELD_LIMITS.items()},
}


def shown(name: str) -> str:
    """The text of a contract number on a page; a `KeyError` that lists the names for an unknown one."""
    try:
        return SHOWN[name]
    except KeyError:
        raise KeyError(f"no contract number is named {name!r}; the names are: {', '.join(sorted(SHOWN))}") from None
