"""TLS for the mock: a throwaway certificate authority made at start-up, and a certificate it signs.

The CA is new on every start and its private key never leaves memory. Clients trust the mock by trusting
the CA file (`REQUESTS_CA_BUNDLE`, `SSL_CERT_FILE`, `CURL_CA_BUNDLE`, `NODE_EXTRA_CA_CERTS`); nothing
disables verification.

Several mocks in one process may share one throwaway CA (`Authority`), each with a certificate of its
own: the test suite does, so that a client which reads its CA once, when it starts (Node.js reads
`NODE_EXTRA_CA_CERTS` so), can serve runs against many mocks.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme

#: The names the server certificate is valid for.
HOSTNAMES = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Tls:
    #: The CA certificate (PEM) that clients must trust.
    ca_file: Path
    #: The server's context, holding its certificate chain and key.
    server_context: ssl.SSLContext


@dataclass(frozen=True)
class Authority:
    """A throwaway certificate authority, and the file that holds its certificate (PEM)."""

    ca: trustme.CA
    ca_file: Path


def make_authority(directory: Path) -> Authority:
    """Create a fresh CA, and write its certificate to `directory/ca.pem`."""
    directory.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="Cliniko API docs mock CA")
    ca_file = directory / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return Authority(ca, ca_file)


def make_tls(authority: Authority) -> Tls:
    """A fresh server certificate, signed by `authority`, in a server context."""
    certificate = authority.ca.issue_cert(*HOSTNAMES)
    ca_file = authority.ca_file

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["http/1.1"])
    certificate.configure_cert(context)
    return Tls(ca_file=ca_file, server_context=context)
