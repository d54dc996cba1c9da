"""The client page's download link leads to the site's own copy of the client, byte for byte the tested file.

`hooks/client_download.py` publishes `snippets/cliniko_client.py` with the site, so that a copy of the site
made for offline reading or a mirror still carries the client it offers.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from project import SNIPPETS

#: Any origin will do: the links are resolved against the page's address, then read from the built site.
ORIGIN = "https://docs.example/"


class DownloadLinks(HTMLParser):
    """The `href` of every link with a `download` attribute, in the order of the page."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "a" and "download" in attributes and attributes.get("href"):
            self.hrefs.append(attributes["href"] or "")


def test_the_client_page_links_a_byte_for_byte_copy_of_the_client(built_site: Path) -> None:
    links = DownloadLinks()
    links.feed((built_site / "client" / "index.html").read_text(encoding="utf-8"))
    assert len(links.hrefs) == 1, f"the client page should offer one download, not {links.hrefs}"

    address = urljoin(f"{ORIGIN}client/", links.hrefs[0])
    assert address.startswith(ORIGIN), f"the download leads away from the site: {address}"
    published = built_site / urlsplit(address).path.lstrip("/")
    assert published.is_file(), f"the site has no file at {address}"
    assert published.read_bytes() == (SNIPPETS / "cliniko_client.py").read_bytes()
