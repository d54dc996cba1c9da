"""A mock of the Cliniko API, served over real HTTPS, for executing the documentation's examples.

The package is split by concern:

* `clock` - the injectable clock every timestamp and rate-limit window is read from.
* `state` and `seed` - accounts, users, patients and the initial data set.
* `auth`, `rate_limit`, `caching`, `negotiation`, `validation` - the HTTP rules the API enforces.
* `errors` and `representations` - how errors and records are turned into JSON.
* `app` - the Starlette application and its routes.
* `tls` - the throwaway certificate authority and the server certificate.
* `server` - the uvicorn start-up, including the answer to plain HTTP on the HTTPS port.
* `control` - the test-only controls (reset, clock, quota), never served on the API port.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mock_cliniko.server import MockCliniko

__all__ = ["MockCliniko"]


def __getattr__(name: str) -> Any:
    # Imported on first use, so that reading the seed data (the site build does, for the example
    # shortcode) needs none of the server's packages.
    if name == "MockCliniko":
        from mock_cliniko.server import MockCliniko

        return MockCliniko
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
