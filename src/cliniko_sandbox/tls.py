"""TLS for the mock: a throwaway certificate authority made at start-up, and a certificate it signs.

The CA is new on every start and its private key never leaves memory. Clients trust the mock by trusting
the CA file (`REQUESTS_CA_BUNDLE`, `SSL_CERT_FILE`, `CURL_CA_BUNDLE`); nothing disables verification.
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


def make_tls(directory: Path) -> Tls:
    """Create a fresh CA and server certificate, and write the CA certificate to `directory/ca.pem`."""
    directory.mkdir(parents=True, exist_ok=True)
    authority = trustme.CA(organization_name="Cliniko API docs mock CA")
    certificate = authority.issue_cert(*HOSTNAMES)
    ca_file = directory / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["http/1.1"])
    certificate.configure_cert(context)
    return Tls(ca_file=ca_file, server_context=context)
