"""The mock put together: data, clock, application, certificates, and the servers on their ports.

`MockCliniko` is fully built when it is made: the ports are bound and the certificate authority exists,
so every attribute has its value. `start()` only starts serving.
"""

from __future__ import annotations

import ipaddress
import tempfile
from pathlib import Path

from cliniko_sandbox import caching, contract
from cliniko_sandbox.app import MockApi
from cliniko_sandbox.clock import Clock
from cliniko_sandbox.control import Controls, control_app
from cliniko_sandbox.exchanges import ExchangeLog, Recorder
from cliniko_sandbox.rate_limit import RateLimiter
from cliniko_sandbox.request_ids import RequestIds
from cliniko_sandbox.seed import ADMIN_KEY_A, initial_dataset
from cliniko_sandbox.state import Store
from cliniko_sandbox.switches import Switches
from cliniko_sandbox.tls import Authority, Tls, make_authority, make_tls
from cliniko_sandbox.transport import MAX_CONNECTIONS, HttpServer, PortInUseError, Timeouts, bind

__all__ = ["MockCliniko", "PortInUseError", "Timeouts"]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class MockCliniko:
    """The mock Cliniko API, bound to its port(s) and ready to start.

    Args:
        host: the address to listen on (loopback only).
        port: the port; 0 picks a free one.
        control_port: when not None, also serve the controls over HTTPS on this port (0 picks one).
            The controls have no authentication: keep `host` a loopback address.
        clock_jumps_on_rate_limit: the hand-started mock's rule for its clock (see `Switches`).
        workdir: where to write the CA certificate (a new temporary folder by default).
        authority: a certificate authority to sign the server's certificate with, shared with other
            mocks (see `cliniko_sandbox.tls`); a fresh one, written to `workdir`, by default.
        timeouts: how long the servers wait for a client (see `Timeouts`).
        record_exchanges: keep each request and response in `exchanges` (see `cliniko_sandbox.exchanges`).
        max_connections: the most connections each port serves at once (see `HttpServer`).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        control_port: int | None = None,
        clock_jumps_on_rate_limit: bool = False,
        workdir: Path | None = None,
        authority: Authority | None = None,
        timeouts: Timeouts = Timeouts(),
        record_exchanges: bool = False,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        if control_port is not None and not _is_loopback(host):
            raise ValueError(f"the controls have no authentication, so they listen on loopback only, not on {host}")
        self.host = host
        self.clock = Clock()
        self.store = Store(initial_dataset(), self.clock)
        self.limiter = RateLimiter(self.clock)
        self.switches = Switches(clock_jumps_on_rate_limit=clock_jumps_on_rate_limit)
        #: The `X-Request-Id` of every response of the API, the transport's own errors included.
        self.request_ids = RequestIds()
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        if workdir is None and authority is None:
            self._tempdir = tempfile.TemporaryDirectory(prefix="mock-cliniko-")
            workdir = Path(self._tempdir.name)
        self.tls: Tls = make_tls(authority or make_authority(workdir))
        listener = bind(host, port)
        try:
            control_listener = None if control_port is None else bind(host, control_port)
        except BaseException:
            listener.close()
            raise
        self.port: int = listener.getsockname()[1]
        self.api = MockApi(self.store, self.clock, self.limiter, self.base_url, self.switches, self.request_ids)
        self.controls = Controls(self.api, self.switches)
        date = lambda: caching.http_date(self.clock.now())  # noqa: E731
        context = self.tls.server_context
        #: Every exchange the API answered, when recording is on (the tests); None otherwise.
        self.exchanges: ExchangeLog | None = ExchangeLog() if record_exchanges else None
        recorder = None if self.exchanges is None else Recorder(self.api, self.exchanges)
        limit = contract.MAX_BODY_BYTES
        self._servers = [
            HttpServer(
                self.api if recorder is None else recorder,
                listener,
                context,
                date,
                timeouts,
                request_id=self.request_ids.next,
                max_body=limit,
                answered=None if recorder is None else recorder.answered,
                max_connections=max_connections,
            )
        ]
        self.control_port: int | None = None
        if control_listener is not None:
            self.control_port = control_listener.getsockname()[1]
            controls = control_app(self.controls)
            self._servers.append(
                HttpServer(
                    controls, control_listener, context, date, timeouts, max_body=limit, max_connections=max_connections
                )
            )

    @property
    def _url_host(self) -> str:
        return f"[{self.host}]" if ":" in self.host else self.host

    @property
    def base_url(self) -> str:
        """The API's base URL, like `https://127.0.0.1:8443/v1`."""
        return f"https://{self._url_host}:{self.port}/v1"

    @property
    def control_url(self) -> str | None:
        if self.control_port is None:
            return None
        return f"https://{self._url_host}:{self.control_port}"

    @property
    def ca_file(self) -> Path:
        return self.tls.ca_file

    def start(self) -> MockCliniko:
        for server in self._servers:
            server.start()
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.stop()
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None

    def __enter__(self) -> MockCliniko:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def environment(self, api_key: str = ADMIN_KEY_A) -> dict[str, str]:
        """The variables a client needs: the base URL, a key, and the CA bundle for each kind of client."""
        env = {
            "CLINIKO_API_URL": self.base_url,
            "CLINIKO_API_KEY": api_key,
            "REQUESTS_CA_BUNDLE": str(self.ca_file),
            "SSL_CERT_FILE": str(self.ca_file),
            "CURL_CA_BUNDLE": str(self.ca_file),
            "NODE_EXTRA_CA_CERTS": str(self.ca_file),
        }
        if self.control_url is not None:
            env["CLINIKO_MOCK_CONTROL_URL"] = self.control_url
        return env
