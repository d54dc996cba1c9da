"""The Cliniko API guide's sandbox: a mock of the Cliniko API, served over real HTTPS.

Every example of the guide runs against it, in the tests and on a reader's machine (`cliniko-sandbox`).

The package is split by concern:

* `clock` - the injectable clock every timestamp and rate-limit window is read from.
* `state` and `seed` - accounts, users, patients and the initial data set.
* `auth`, `rate_limit`, `caching`, `request_rules`, `validation` - the HTTP rules the API enforces.
* `errors` and `representations` - how errors and records are turned into JSON.
* `request_ids` - the `X-Request-Id` of every response, counted from each reset.
* `app` - the Starlette application and its routes.
* `tls` - the throwaway certificate authority and the server certificate.
* `transport` - the HTTP/1.1 server: binding, TLS sniffing, the answer to plain HTTP, timeouts.
* `server` - the mock put together: data, clock, application, certificates and servers.
* `switches` - the switches the controls set, handed to the application when it is built.
* `control` - the controls (reset, clock, quota, failures), served on a port of their own, never on the
  API's.
* `cli` - the `cliniko-sandbox` command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cliniko_sandbox.server import MockCliniko

__all__ = ["MockCliniko"]


def __getattr__(name: str) -> Any:
    """`MockCliniko` is imported on first use: the site build reads only `seed` (through the scenarios in
    `cliniko_docs`), and importing the server's Starlette and TLS stack cost it a tenth of a second."""
    if name == "MockCliniko":
        from cliniko_sandbox.server import MockCliniko

        return MockCliniko
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
