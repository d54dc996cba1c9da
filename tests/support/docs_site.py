"""The documentation site as the tests see it: built, served over HTTP, and mapped page by page.

Nothing here drives a browser: the build and link tests use it as much as the browser tests do.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import subprocess
import sys
import textwrap
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from project import DOCS, MKDOCS_YML, ROOT, SNIPPETS

SITEMAP_NAMESPACE = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


class BuildError(RuntimeError):
    """`mkdocs build --strict` failed; the message is MkDocs' own output."""


def site_url() -> str:
    """`site_url` from mkdocs.yml, read as text (the file may hold tags that plain YAML rejects)."""
    text = MKDOCS_YML.read_text(encoding="utf-8")
    match = re.search(r"^site_url:\s*(\S+)\s*$", text, re.MULTILINE)
    if not match:
        raise BuildError("mkdocs.yml has no site_url")
    return match.group(1).rstrip("/") + "/"


def build_site(destination: Path) -> Path:
    """Build the site with `mkdocs build --strict` into `destination`."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(destination)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise BuildError(f"mkdocs build --strict failed:\n{result.stderr}")
    return destination


def shortcode_site(folder: Path, pages: dict[str, str], *, strict: bool = False) -> Path:
    """A small site in `folder` for a test of the shortcodes in a real build: `pages` (name: Markdown)
    under `docs/`, and a `mkdocs.yml` with the shortcode extension and the extensions its output needs,
    reading the project's examples. Both builds read it; the project's root must be on the build's path."""
    docs = folder / "docs"
    docs.mkdir(parents=True)
    for name, text in pages.items():
        (docs / name).write_text(text, encoding="utf-8")
    (folder / "mkdocs.yml").write_text(
        "site_name: Shortcode check\n"
        + ("strict: true\n" if strict else "")
        + textwrap.dedent(f"""\
            markdown_extensions:
              - hooks.shortcodes:
                  base_path: {SNIPPETS}
              - pymdownx.superfences
              - pymdownx.tabbed:
                  alternate_style: true
              - pymdownx.snippets:
                  base_path: [{SNIPPETS}]
                  check_paths: true
            """),
        encoding="utf-8",
    )
    return folder


def sitemap_addresses(site_dir: Path) -> list[str]:
    """The addresses the built site's sitemap lists, in its order, as written there."""
    tree = ET.parse(site_dir / "sitemap.xml")
    return [loc.text or "" for loc in tree.findall("s:url/s:loc", SITEMAP_NAMESPACE)]


def page_sources() -> dict[str, str]:
    """Every page's address relative to the site's base, and the Markdown file it is built from.

    Read from docs/ (`"resources/user/"` -> `"docs/resources/user.md"`, `""` -> `"docs/index.md"`), so it
    is known before the site is built and the checks of every page can be one test per page;
    `browser/test_pages.py` compares the addresses with the built site's sitemap.
    """
    sources = {}
    for source in sorted(DOCS.rglob("*.md")):
        parts = source.relative_to(DOCS).with_suffix("").parts
        if parts[-1] == "index":
            parts = parts[:-1]
        sources["".join(f"{part}/" for part in parts)] = source.relative_to(ROOT).as_posix()
    return sources


def page_paths() -> list[str]:
    """Every page's address relative to the site's base (see `page_sources`)."""
    return list(page_sources())


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the built site under `prefix`, and its 404.html for any address it does not have.

    That is what GitHub Pages does for a project site such as https://cliniko.github.io/cliniko-api/.
    """

    prefix = "/"

    def translate_path(self, path: str) -> str:
        request_path = urlsplit(path).path
        if not request_path.startswith(self.prefix):
            return str(Path(self.directory) / "__outside_the_site__")
        return super().translate_path("/" + request_path[len(self.prefix) :])

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@dataclass(frozen=True)
class Site:
    """The served site: `base` is the home page's address, e.g. http://127.0.0.1:PORT/cliniko-api/."""

    base: str
    directory: Path

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base)
        return f"{parts.scheme}://{parts.netloc}"

    def url(self, path: str = "") -> str:
        return self.base + path.lstrip("/")

    def pages(self) -> list[str]:
        """Every page's address on this server, in the order of the sitemap."""
        published = site_url()
        pages = []
        for address in sitemap_addresses(self.directory):
            if not address.startswith(published):
                raise AssertionError(f"sitemap entry outside the site: {address}")
            pages.append(self.url(address[len(published) :]))
        if not pages:
            raise AssertionError("the sitemap lists no page")
        return pages

    def html(self, address: str) -> str:
        """The built HTML behind one of this server's page addresses."""
        relative = address[len(self.base) :].split("#")[0]
        target = self.directory / relative
        if relative == "" or relative.endswith("/"):
            target = target / "index.html"
        return target.read_text(encoding="utf-8")

    def pages_containing(self, fragment: str) -> list[str]:
        """The pages whose built HTML contains `fragment`, in sitemap order."""
        return [address for address in self.pages() if fragment in self.html(address)]


@contextmanager
def serve(site_dir: Path) -> Iterator[Site]:
    """Serve a built site with a real HTTP server on 127.0.0.1, in a thread, under the path of `site_url`."""
    prefix = urlsplit(site_url()).path or "/"
    handler = type("Handler", (SiteHandler,), {"prefix": prefix})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site_dir)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield Site(base=f"http://{host}:{port}{prefix}", directory=site_dir)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
