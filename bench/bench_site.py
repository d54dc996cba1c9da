"""How fast the pages are in a browser, next to a bare Material for MkDocs build of the same content.

Run with `make bench-site`. It builds two sites from the same `docs/` and `snippets/`:

- this site, with `mkdocs.yml` as it is;
- a bare build: `theme: material` and only the Markdown extensions and hooks the pages need to build
  (with the settings `mkdocs.yml` gives them), MkDocs' default plugins, and nothing else. Its build
  time is the anchor of the build-time ratio.
- the same bare build with the one plugin that makes content, mkdocstrings (the client page's
  reference), so that each page of both sites shows the same content. Its pages are the anchor of
  the page ratios: without the reference, the bare client page would be a third of ours.

It serves both from loopback, gzipped as any static host would, and runs Lighthouse on every page of
both, mobile and desktop, taking turns (this site, then the bare one) so that a busy machine slows both
alike. Each figure is the median of the runs. It prints, per page, both builds' scores and the ratios
(this site / bare) of the performance score, total blocking time, first and largest contentful paint
and the bytes a first visit transfers; then each run's total blocking time, the CPU time of each build,
and the size of each search index.

It is a benchmark, not a test: it asserts nothing. Lighthouse is a Node.js program from the npm
registry; the first run installs the pinned release with npm into `<venv>/share/lighthouse/<version>/`
and checks the installed package against the integrity hash pinned here. It needs Node.js 18.16 or
newer, npm, and Chromium (`CHROMIUM_PATH`, or `chromium` on PATH).

    python bench/bench_site.py                        # every page, 3 runs each
    python bench/bench_site.py --pages errors,client --runs 1 --form-factors mobile
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import io
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

LIGHTHOUSE_VERSION = "12.2.3"
#: `dist.integrity` of lighthouse 12.2.3 on the npm registry, as npm records it in package-lock.json.
LIGHTHOUSE_INTEGRITY = "sha512-fedXQk8VxiVCmekMkqKwXfbTvOTJTZ9SHxluOXweE9YQRclkiAdwLoVxIrMl2XJz/yHvcIZ+Cg2YzkjEHkN7eA=="
#: Lighthouse 12 runs on Node.js 18.16 and newer (13 needs 22, hence this pin).
NODE_MINIMUM = (18, 16)

#: The Markdown extensions the pages cannot build without; the bare build takes each one's settings
#: from mkdocs.yml. Add one here when a page starts to use its syntax.
CONTENT_EXTENSIONS = (
    "admonition",
    "attr_list",
    "md_in_html",
    "pymdownx.details",
    "pymdownx.superfences",
    "pymdownx.snippets",
    "pymdownx.tabbed",
    # The shortcodes of the examples and the reference tables (a Markdown extension of our own; `make`
    # puts the root on PYTHONPATH). Without it the bare pages would lack the examples and the tables, and
    # would be lighter for it.
    "hooks.shortcodes",
)
#: The plugins that put content on a page (the client's reference); the bare pages are built with them.
CONTENT_PLUGINS = ("mkdocstrings",)
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
FORM_FACTORS = ("mobile", "desktop")
CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
#: What a static host compresses; images in SVG are text too.
COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml", "application/xml")
LIGHTHOUSE_TIMEOUT = 240
#: Tries at one page before the benchmark gives up. On a loaded machine a Lighthouse run now and then
#: ends without a score; without a second try, that threw away every run made before it.
ATTEMPTS = 3


class BenchError(RuntimeError):
    """Something the benchmark needs is missing or failed; the message says what."""


# --- Lighthouse ---------------------------------------------------------------------------------------


def lighthouse_dir() -> Path:
    return Path(sys.prefix) / "share" / "lighthouse" / LIGHTHOUSE_VERSION


def lighthouse_cli() -> Path:
    return lighthouse_dir() / "node_modules" / "lighthouse" / "cli" / "index.js"


def _node_version(node: str) -> tuple[int, int]:
    output = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout
    match = re.match(r"v(\d+)\.(\d+)", output.strip())
    if not match:
        raise BenchError(f"`{node} --version` printed {output!r}, not a Node.js version")
    return int(match.group(1)), int(match.group(2))


def _installed_lighthouse() -> str | None:
    """The version and integrity npm recorded for the kept copy, or None when there is none."""
    lock = lighthouse_dir() / "package-lock.json"
    if not lock.is_file() or not lighthouse_cli().is_file():
        return None
    try:
        entry = json.loads(lock.read_text(encoding="utf-8"))["packages"]["node_modules/lighthouse"]
    except (ValueError, KeyError) as error:
        raise BenchError(f"{lock} does not record lighthouse: {error}") from error
    if entry.get("version") != LIGHTHOUSE_VERSION:
        raise BenchError(f"{lock} holds lighthouse {entry.get('version')}, not {LIGHTHOUSE_VERSION}")
    return entry.get("integrity")


def ensure_lighthouse(node: str) -> Path:
    """The pinned Lighthouse CLI, installed with npm on first use and checked against its integrity."""
    if _node_version(node) < NODE_MINIMUM:
        raise BenchError(f"Lighthouse {LIGHTHOUSE_VERSION} needs Node.js {'.'.join(map(str, NODE_MINIMUM))} or newer")
    integrity = _installed_lighthouse()
    if integrity is None:
        npm = shutil.which("npm")
        if npm is None:
            raise BenchError("npm not found: it installs Lighthouse on first use (it comes with Node.js)")
        target = lighthouse_dir()
        target.mkdir(parents=True, exist_ok=True)
        print(f"installing lighthouse {LIGHTHOUSE_VERSION} into {target} ...", file=sys.stderr)
        result = subprocess.run(
            [npm, "install", "--save-exact", "--no-audit", "--no-fund", "--prefix", str(target),
             f"lighthouse@{LIGHTHOUSE_VERSION}"],
            capture_output=True, text=True, check=False,
        )
        if result.returncode != 0:
            raise BenchError(f"npm could not install lighthouse {LIGHTHOUSE_VERSION}:\n{result.stderr[-3000:]}")
        integrity = _installed_lighthouse()
    if integrity != LIGHTHOUSE_INTEGRITY:
        raise BenchError(
            f"lighthouse in {lighthouse_dir()} has integrity {integrity}, not the pinned {LIGHTHOUSE_INTEGRITY}; "
            "delete that folder to install it again"
        )
    return lighthouse_cli()


def find_chromium() -> str:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        if not Path(configured).is_file():
            raise BenchError(f"CHROMIUM_PATH names {configured}, which is not a file")
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise BenchError("no Chromium found: install the `chromium` package or set CHROMIUM_PATH")


@dataclass
class Audit:
    """One Lighthouse run of one page."""

    scores: dict[str, float]
    tbt: float
    lcp: float
    transfer: float
    #: First contentful paint. Total blocking time counts only the long tasks after it, so a page that
    #: paints before its scripts run is charged for them, and one that paints after them is not.
    fcp: float


def run_lighthouse(node: str, cli: Path, chromium: str, url: str, form_factor: str) -> Audit:
    command = [
        node, str(cli), url,
        "--output=json", "--output-path=stdout", "--quiet",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={' '.join(CHROME_FLAGS)}",
    ]
    if form_factor == "desktop":
        command.append("--preset=desktop")
    env = {**os.environ, "CHROME_PATH": chromium}
    try:
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=LIGHTHOUSE_TIMEOUT, check=False)
    except subprocess.TimeoutExpired as error:
        raise BenchError(f"Lighthouse took more than {LIGHTHOUSE_TIMEOUT} s on {url}") from error
    try:
        report = json.loads(result.stdout)
    except ValueError as error:
        raise BenchError(f"Lighthouse printed no report for {url} (exit {result.returncode}):\n{result.stderr[-3000:]}") from error
    if report.get("runtimeError"):
        raise BenchError(f"Lighthouse failed on {url}: {report['runtimeError']}")
    scores = {}
    for name in CATEGORIES:
        score = report["categories"][name]["score"]
        if score is None:
            raise BenchError(f"Lighthouse gave no {name} score for {url}")
        scores[name] = score * 100
    audits = report["audits"]
    return Audit(
        scores=scores,
        tbt=audits["total-blocking-time"]["numericValue"],
        lcp=audits["largest-contentful-paint"]["numericValue"],
        transfer=audits["total-byte-weight"]["numericValue"],
        fcp=audits["first-contentful-paint"]["numericValue"],
    )


def run_lighthouse_with_retries(run: Callable[[], Audit], label: str, attempts: int = ATTEMPTS) -> Audit:
    """`run()`, tried again (saying so on stderr) when Lighthouse fails, up to `attempts` times in all."""
    for attempt in range(1, attempts + 1):
        try:
            return run()
        except BenchError as error:
            if attempt == attempts:
                raise BenchError(f"{error} (tried {attempts} times)") from error
            print(f"  {label}: {error}; trying again ({attempt + 1} of {attempts})", file=sys.stderr)
    raise AssertionError("unreachable")


# --- the two builds -------------------------------------------------------------------------------------


class _IgnoreTags(yaml.SafeLoader):
    """Reads mkdocs.yml without running its `!!python/...` or `!ENV` tags."""


_IgnoreTags.add_multi_constructor("", lambda loader, suffix, node: None)


def bare_config(site_config: dict, site_dir: Path, content_plugins: bool = False) -> dict:
    """The bare build: same docs and snippets, `theme: material`, only the extensions the content needs;
    with `content_plugins`, also the plugins that make content, and MkDocs' search."""
    extensions = []
    for entry in site_config.get("markdown_extensions", []):
        name = next(iter(entry)) if isinstance(entry, dict) else entry
        if name in CONTENT_EXTENSIONS:
            extensions.append(entry)
    for entry in extensions:
        # The bare config is written elsewhere, so relative paths in settings must point back here.
        if isinstance(entry, dict) and "hooks.shortcodes" in entry:
            settings = dict(entry["hooks.shortcodes"] or {})
            for option in ("base_path", "description"):
                if option in settings:
                    settings[option] = str(ROOT / settings[option])
            entry["hooks.shortcodes"] = settings
        if isinstance(entry, dict) and "pymdownx.snippets" in entry:
            settings = dict(entry["pymdownx.snippets"] or {})
            base = settings.get("base_path", ["."])
            settings["base_path"] = [str(ROOT / path) for path in ([base] if isinstance(base, str) else base)]
            entry["pymdownx.snippets"] = settings
    # No MkDocs hook makes content: the shortcodes are a Markdown extension (in CONTENT_EXTENSIONS).
    plugins: list = []
    if content_plugins:
        plugins.append("search")  # a config that lists plugins loses the default one
        for entry in site_config.get("plugins", []) or []:
            name = next(iter(entry)) if isinstance(entry, dict) else entry
            if name in CONTENT_PLUGINS:
                plugins.append(_rooted_plugin(entry))
    config = {
        "site_name": site_config.get("site_name", "bare"),
        "site_url": site_config.get("site_url"),
        "docs_dir": str(ROOT / site_config.get("docs_dir", "docs")),
        "site_dir": str(site_dir),
        "nav": site_config.get("nav"),
        "theme": {"name": "material"},
        "markdown_extensions": extensions,
    }
    if plugins:
        config["plugins"] = plugins
    return config


def _rooted_plugin(entry: dict | str) -> dict | str:
    """A plugin's entry with its handlers' `paths` pointing back at this project (the config is written
    elsewhere)."""
    if not isinstance(entry, dict):
        return entry
    name, settings = next(iter(entry.items()))
    settings = json.loads(json.dumps(settings or {}))
    for handler in (settings.get("handlers") or {}).values():
        if isinstance(handler, dict) and "paths" in handler:
            handler["paths"] = [str(ROOT / path) for path in handler["paths"]]
    return {name: settings}


@dataclass
class Build:
    name: str
    site_dir: Path
    cpu: float


def _build(name: str, config_file: Path, site_dir: Path, strict: bool) -> Build:
    """Run `mkdocs build` in a child process; its CPU time is the child's user + system time."""
    command = [sys.executable, "-m", "mkdocs", "build", "--quiet", "--config-file", str(config_file),
               "--site-dir", str(site_dir)]
    if strict:
        command.append("--strict")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise BenchError(f"the {name} build failed:\n{result.stderr[-4000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Build(name, site_dir, cpu)


def build_both(work: Path, builds: int) -> tuple[Build, Build]:
    """Build each site `builds` times, taking turns, and keep the median CPU time of each; then build the
    bare pages once more with the content plugins, for the browser to measure."""
    config_path = ROOT / "mkdocs.yml"
    if not config_path.is_file():
        raise BenchError(f"no {config_path}")
    site_config = yaml.load(config_path.read_text(encoding="utf-8"), Loader=_IgnoreTags)  # noqa: S506 - tags ignored
    bare_file = work / "mkdocs-bare.yml"
    bare_file.write_text(yaml.safe_dump(bare_config(site_config, work / "bare")), encoding="utf-8")
    pages_file = work / "mkdocs-bare-pages.yml"
    pages_file.write_text(yaml.safe_dump(bare_config(site_config, work / "bare-pages", content_plugins=True)), encoding="utf-8")
    times: dict[str, list[float]] = {"site": [], "bare": []}
    for _ in range(builds):
        times["site"].append(_build("site", config_path, work / "site", strict=True).cpu)
        # Not strict: the bare build does not render the mkdocstrings reference, and says so.
        times["bare"].append(_build("bare", bare_file, work / "bare", strict=False).cpu)
    _build("bare pages", pages_file, work / "bare-pages", strict=False)
    return (
        Build("site", work / "site", statistics.median(times["site"])),
        Build("bare", work / "bare-pages", statistics.median(times["bare"])),
    )


def pages_of(site_dir: Path) -> list[str]:
    """Every page of a build, as its path under the site root ("" for the home page)."""
    pages = []
    for index in sorted(site_dir.rglob("index.html")):
        relative = index.parent.relative_to(site_dir).as_posix()
        if relative.startswith(("assets", "search")):
            continue
        pages.append("" if relative == "." else relative + "/")
    return pages


def search_index_size(site_dir: Path) -> tuple[int, int]:
    data = (site_dir / "search" / "search_index.json").read_bytes()
    return len(data), len(gzip.compress(data, 6))


# --- serving -----------------------------------------------------------------------------------------------


class _GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, gzipped when the client accepts it, as a static host serves them."""

    cache: dict[Path, bytes]

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass

    def send_head(self):  # type: ignore[no-untyped-def] - the base class's signature
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?")[0].endswith("/"):
                return super().send_head()
            path = path / "index.html"
        if not path.is_file():
            return super().send_head()
        ctype = self.guess_type(str(path))
        body = path.read_bytes()
        encoded = False
        if "gzip" in self.headers.get("Accept-Encoding", "") and ctype.startswith(COMPRESSED_TYPES):
            if path not in self.cache:
                self.cache[path] = gzip.compress(body, 6)
            body, encoded = self.cache[path], True
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if encoded:
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        return io.BytesIO(body)


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    handler = partial(type("Handler", (_GzipHandler,), {"cache": {}}), directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


# --- the report -------------------------------------------------------------------------------------------


@dataclass
class Runs:
    audits: list[Audit] = field(default_factory=list)

    def median(self, measure: str) -> float:
        return statistics.median(getattr(audit, measure) for audit in self.audits)

    def score(self, category: str) -> float:
        return statistics.median(audit.scores[category] for audit in self.audits)


def _ratio(ours: float, bare: float) -> str:
    if bare == 0:
        return "-" if ours == 0 else "inf"
    return f"{ours / bare:.2f}"


def print_report(results: dict[tuple[str, str, str], Runs], pages: list[str], form_factors: list[str],
                 site: Build, bare: Build, runs: int) -> None:
    print(f"\nLighthouse {LIGHTHOUSE_VERSION}, median of {runs} run(s); each cell is this site / bare; "
          "ratio = this site / bare")
    header = ("page", "form", "perf", "a11y", "b.p.", "seo", "perf x", "TBT ms", "TBT x", "FCP ms", "FCP x",
              "LCP ms", "LCP x", "KB gz", "KB x")
    rows = [header]
    for page in pages:
        for form in form_factors:
            ours, theirs = results[(page, form, "site")], results[(page, form, "bare")]
            cells = [page or "(home)", form]
            for category in CATEGORIES:
                cells.append(f"{ours.score(category):.0f}/{theirs.score(category):.0f}")
            cells.append(_ratio(ours.score("performance"), theirs.score("performance")))
            cells.append(f"{ours.median('tbt'):.0f}/{theirs.median('tbt'):.0f}")
            cells.append(_ratio(ours.median("tbt"), theirs.median("tbt")))
            cells.append(f"{ours.median('fcp'):.0f}/{theirs.median('fcp'):.0f}")
            cells.append(_ratio(ours.median("fcp"), theirs.median("fcp")))
            cells.append(f"{ours.median('lcp'):.0f}/{theirs.median('lcp'):.0f}")
            cells.append(_ratio(ours.median("lcp"), theirs.median("lcp")))
            cells.append(f"{ours.median('transfer') / 1024:.0f}/{theirs.median('transfer') / 1024:.0f}")
            cells.append(_ratio(ours.median("transfer"), theirs.median("transfer")))
            rows.append(tuple(cells))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    if runs > 1:
        # A median over a few runs hides how far they spread; where the bare build's blocking time is a few
        # tens of milliseconds, the spread decides the TBT ratio as much as the pages do.
        print("\ntotal blocking time of each run, ms, in the order run: this site | bare")
        for page in pages:
            for form in form_factors:
                each = [" ".join(f"{audit.tbt:.0f}" for audit in results[(page, form, name)].audits)
                        for name in ("site", "bare")]
                print(f"{(page or '(home)').ljust(widths[0])}  {form.ljust(widths[1])}  {each[0]} | {each[1]}")
    print(f"\nbuild CPU: this site {site.cpu:.2f} s, bare {bare.cpu:.2f} s, ratio {_ratio(site.cpu, bare.cpu)}")
    for build in (site, bare):
        raw, packed = search_index_size(build.site_dir)
        print(f"search index, {build.name}: {raw / 1024:.1f} KB, {packed / 1024:.1f} KB gzipped")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", help="comma-separated pages, e.g. 'home,errors,resources/patients' (default: all)")
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page, site and form factor (default 3)")
    parser.add_argument("--form-factors", default=",".join(FORM_FACTORS), help="mobile, desktop or both (default both)")
    parser.add_argument("--builds", type=int, default=3, help="builds of each site to time (default 3, median kept)")
    parser.add_argument("--build-only", action="store_true", help="time the builds and measure the search index only")
    args = parser.parse_args(argv)
    try:
        if args.runs < 1 or args.builds < 1:
            raise BenchError("--runs and --builds must be at least 1")
        form_factors = [form.strip() for form in args.form_factors.split(",") if form.strip()]
        unknown = sorted(set(form_factors) - set(FORM_FACTORS))
        if unknown or not form_factors:
            raise BenchError(f"unknown form factor(s) {unknown or args.form_factors!r}: choose from {', '.join(FORM_FACTORS)}")
        if not args.build_only:
            node = shutil.which("node")
            if node is None:
                raise BenchError("node not found: Lighthouse needs Node.js 18.16 or newer on PATH")
            chromium = find_chromium()
            cli = ensure_lighthouse(node)
        with tempfile.TemporaryDirectory(prefix="bench-site-") as temporary:
            work = Path(temporary)
            print(f"building both sites {args.builds} time(s) ...", file=sys.stderr)
            site, bare = build_both(work, args.builds)
            all_pages = pages_of(site.site_dir)
            pages = all_pages
            if args.pages:
                wanted = [name.strip().strip("/") for name in args.pages.split(",") if name.strip()]
                pages = []
                for name in wanted:
                    page = "" if name in ("home", "index", "") else name + "/"
                    if page not in all_pages:
                        raise BenchError(f"no page {name!r}; the pages are: home, " + ", ".join(p.rstrip("/") for p in all_pages if p))
                    pages.append(page)
            missing = [page for page in pages if not (bare.site_dir / page / "index.html").is_file()]
            if missing:
                raise BenchError(f"the bare build lacks page(s) {missing}")
            results: dict[tuple[str, str, str], Runs] = {}
            if not args.build_only:
                with serve(site.site_dir) as site_base, serve(bare.site_dir) as bare_base:
                    bases = {"site": site_base, "bare": bare_base}
                    total = args.runs * len(pages) * len(form_factors) * 2
                    done = 0
                    started = time.monotonic()
                    for run in range(args.runs):
                        for page in pages:
                            for form in form_factors:
                                # Take turns, and swap who goes first each run, so neither site always
                                # follows the other.
                                order = ("site", "bare") if run % 2 == 0 else ("bare", "site")
                                for which in order:
                                    audit = run_lighthouse_with_retries(
                                        partial(run_lighthouse, node, cli, chromium, bases[which] + page, form),
                                        f"{which} {page or '(home)'} {form}",
                                    )
                                    results.setdefault((page, form, which), Runs()).audits.append(audit)
                                    done += 1
                                    print(f"  [{done}/{total}, {time.monotonic() - started:.0f} s] {which} "
                                          f"{page or '(home)'} {form}: performance {audit.scores['performance']:.0f}, "
                                          f"TBT {audit.tbt:.0f} ms, FCP {audit.fcp:.0f} ms, LCP {audit.lcp:.0f} ms, "
                                          f"{audit.transfer / 1024:.0f} KB", file=sys.stderr)
                print_report(results, pages, form_factors, site, bare, args.runs)
            else:
                print(f"build CPU: this site {site.cpu:.2f} s, bare {bare.cpu:.2f} s, ratio {_ratio(site.cpu, bare.cpu)}")
                for build in (site, bare):
                    raw, packed = search_index_size(build.site_dir)
                    print(f"search index, {build.name}: {raw / 1024:.1f} KB, {packed / 1024:.1f} KB gzipped")
    except BenchError as error:
        print(f"bench-site: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
