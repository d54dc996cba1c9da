"""The page walk of the browser tests: Chromium found and watched, each page visited once, axe-core run.

`Walker` visits a page the way several tests need (`visit_page`) and keeps what it saw, so that the
checks of every page cost one visit per page; `watch` records a context's requests and console errors.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docs_site import Site, page_paths

# Chromium's background services (updates, sync, safe browsing) try to reach Google; there is
# no network here, and the tests must see only the site's own requests.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: The window of every browser context of the tests.
VIEWPORT = {"width": 1280, "height": 900}


#: The browsers the tests look for on PATH, first found first. Chromium's headless shell comes first:
#: the same engine as the full browser without its windowing layer, in which the browser tests take
#: about a third less CPU time; every test passes in both (CONTRIBUTING.md).
CHROMIUM_NAMES = (
    "chromium-headless-shell",
    "chromium",
    "chromium-browser",
    "google-chrome-stable",
    "google-chrome",
)


def find_chromium() -> str | None:
    """CHROMIUM_PATH if set, else the first of CHROMIUM_NAMES on PATH, else the Chromium Playwright downloads."""
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if Path(configured).is_file() else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            bundled = playwright.chromium.executable_path
    except Exception:  # noqa: BLE001 - any failure here means there is no usable bundled browser
        return None
    return bundled if bundled and Path(bundled).is_file() else None


@dataclass
class Traffic:
    """What a browser context did: every request, the failed ones, and the console errors."""

    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def clear(self) -> None:
        self.requests.clear()
        self.failed.clear()
        self.console_errors.clear()

    def snapshot(self) -> Traffic:
        return Traffic(list(self.requests), list(self.failed), list(self.console_errors))


def watch(target: Any, traffic: Traffic) -> None:
    """Record into `traffic` what a Playwright BrowserContext or Page requests and logs as an error."""

    def on_response(response: Any) -> None:
        if response.status >= 400:
            traffic.failed.append(f"{response.url} (HTTP {response.status})")

    def on_console(message: Any) -> None:
        if message.type == "error":
            traffic.console_errors.append(f"{message.text} [{message.location.get('url', '')}]")

    def on_page(page: Any) -> None:
        page.on("console", on_console)
        page.on("pageerror", lambda error: traffic.console_errors.append(f"uncaught: {error}"))

    target.on("request", lambda request: traffic.requests.append(request.url))
    def on_request_failed(request: Any) -> None:
        # A fetch the page itself cancelled (the search index, when the reader moves to another page
        # before it has arrived) is not a failure of the site. Anything else that fails, and every
        # HTTP error status, is.
        if request.failure == "net::ERR_ABORTED" and request.resource_type == "fetch":
            return
        traffic.failed.append(f"{request.url} ({request.failure})")

    target.on("requestfailed", on_request_failed)
    target.on("response", on_response)
    if hasattr(target, "new_page"):
        target.on("page", on_page)
    else:
        on_page(target)


@dataclass
class Visit:
    """A fresh browser context (empty storage) with one page, and what it has done so far."""

    context: Any
    page: Any
    traffic: Traffic


# What the copy button of every code block on a page copies, in document order (`copy_every_block`).
# For each block: the label of the content tab holding it, the copied text, and the address of the
# "report a problem" link under it, as built and once the link has had the focus; and for a block with
# prompts (a `>>>` console session), the text it shows. As a reader would,
# the script unfolds a folded block and selects a block's tab before pressing its copy button; blocks
# already on show are copied first, so that linked tabs switch as few times as possible. It leaves out
# the blocks given in `skip`, and stops once `milliseconds` have passed and at least one block is
# copied; it returns [index, copy] pairs, and whether it copied every block it had to.
COPY_EVERY_BLOCK = """async ({skip, milliseconds}) => {
  const began = performance.now();
  const codes = Array.from(document.querySelectorAll("article pre > code"));
  const labelOf = code => {
    const panel = code.closest(".tabbed-block");
    if (!panel) return null;
    const set = panel.parentElement.closest(".tabbed-set");
    const index = Array.prototype.indexOf.call(panel.parentElement.children, panel);
    return set.querySelectorAll(":scope > .tabbed-labels > label")[index];
  };
  const onShow = code => {
    const label = labelOf(code);
    return label === null || document.getElementById(label.htmlFor).checked;
  };
  const copies = [];
  let lastCopied = await navigator.clipboard.writeText("\\u0000nothing was copied").then(() => null);
  let remaining = codes.map((code, index) => index).filter(index => !skip.includes(index));
  while (remaining.length > 0) {
    const later = [];
    for (const index of remaining) {
      const code = codes[index];
      if (!onShow(code)) { later.push(index); continue; }
      if (copies.length > 0 && performance.now() - began > milliseconds) return {copies, complete: false};
      for (let details = code.closest("details"); details; details = details.parentElement.closest("details")) {
        details.open = true;
      }
      const block = code.closest("div.highlight");
      const after = block ? block.nextElementSibling : null;
      const report = after && after.matches(".example-report") ? after.querySelector("a") : null;
      const button = code.parentElement.querySelector("button[data-clipboard-target]");
      let text = null;
      if (button) {
        // A button that copies nothing leaves the last block's text on the clipboard. Only when the
        // clipboard then holds that same text is it told apart, by copying again over a marker: the
        // marker before every copy cost a round trip to the clipboard per block.
        button.click();
        text = await navigator.clipboard.readText();
        if (text === lastCopied) {
          await navigator.clipboard.writeText("\\u0000nothing was copied");
          button.click();
          text = await navigator.clipboard.readText();
        }
        lastCopied = text;
      }
      const label = labelOf(code);
      const reportAsBuilt = report ? report.href : null;
      if (report) report.focus();  // the script adds the code's first lines to the issue
      copies.push([index, {
        tab: label ? label.textContent.trim() : null,
        text: text,
        report: reportAsBuilt,
        reportOnFocus: report ? report.href : null,
        reportInsideCode: code.closest("pre").querySelector(".example-report") !== null,
        shown: code.querySelector(".gp") !== null ? code.textContent : null,
      }]);
    }
    if (later.length === remaining.length) {
      labelOf(codes[later[0]]).click();
      if (!onShow(codes[later[0]])) throw new Error("selecting a content tab did not show its block");
    }
    remaining = later;
  }
  return {copies, complete: true};
}"""
#: How long one call of COPY_EVERY_BLOCK goes on copying: well inside the 5 s Chromium allows (see below).
COPY_CALL_MILLISECONDS = 1000


def copy_every_block(page: Any) -> list[dict[str, Any]]:
    """Press the copy button of every code block on the page (COPY_EVERY_BLOCK); what each copied.

    Playwright runs each call as if the reader had just clicked, and the browser lets a page copy only
    for a few seconds after a click (5 s in Chromium). One call for the whole page outlasted that on
    a long page when the machine was busy, and the last buttons copied nothing. So a call copies
    for a second at most, and the next call goes on from there.
    """
    copies: dict[int, dict[str, Any]] = {}
    while True:
        result = page.evaluate(COPY_EVERY_BLOCK, {"skip": list(copies), "milliseconds": COPY_CALL_MILLISECONDS})
        copies.update((index, copy) for index, copy in result["copies"])
        if result["complete"]:
            return [copies[index] for index in sorted(copies)]


SEARCH_READY = (
    "() => { const meta = document.querySelector('.md-search-result__meta');"
    " return meta !== null && !meta.textContent.includes('Initializing'); }"
)

def settled_search_results(page: Any) -> list[str]:
    """The addresses of the search results on show, once the list has stopped changing.

    Material searches as each key is pressed, and replaces the whole list whenever an answer arrives.
    The list shown may still be that of a shorter query typed on the way, and a later answer would
    replace it (and take the focus from a result): read it until two readings a moment apart agree.
    """
    links = page.locator(".md-search-result__item > .md-search-result__link")
    results: list[str] | None = None
    for _ in range(20):
        latest = links.evaluate_all("links => links.map(link => link.href)")
        if latest == results:
            break
        results = latest
        page.wait_for_timeout(250)
    return results or []


# The phone of the walk (`on_a_phone`): the width of a large phone held upright, in CSS pixels.
PHONE = {"width": 412, "height": 915}

# How a page lays out on a phone (`on_a_phone`). For every code block, in document order (as in
# COPY_EVERY_BLOCK): the lines of its code that lie under one of the block's own elements drawn
# over it (the copy button, and the nav that holds it: anything in the block outside the code). A
# line counts if it passes under such an element at any sideways scroll of the code, since a reader
# scrolls a long line to read it. Blocks folded away or in another content tab are shown for the
# moment of the measure (details opened, the tab's radio button checked, which fires no event), then
# put back as they were. It also returns the page's width, and if the page is wider than the
# screen, the innermost elements that reach past its right edge outside any box that scrolls.
PHONE_LAYOUT = """async () => {
  await new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  const describe = element => element.getAttribute("title") || element.getAttribute("aria-label")
    || element.tagName.toLowerCase() + Array.from(element.classList, name => "." + name).join("");
  const tabOf = panel => {
    const set = panel.parentElement.closest(".tabbed-set");
    const position = Array.prototype.indexOf.call(panel.parentElement.children, panel);
    return {
      set,
      radio: set.querySelectorAll(":scope > input[type=radio]")[position],
      label: set.querySelectorAll(":scope > .tabbed-labels > label")[position],
    };
  };
  const checkedBefore = Array.from(document.querySelectorAll(".tabbed-set > input[type=radio]:checked"));
  const closedBefore = Array.from(document.querySelectorAll("details:not([open])"));
  closedBefore.forEach(details => { details.open = true; });
  const codes = Array.from(document.querySelectorAll("article pre > code"));
  const covered = [];
  const buttonless = [];
  const measured = new Set();

  const measure = (code, index) => {
    measured.add(index);
    const block = code.closest("div.highlight") || code.parentElement;
    const drawn = Array.from(block.querySelectorAll("*"))
      .filter(element => !element.contains(code) && !code.contains(element))
      .map(element => ({element, rect: element.getBoundingClientRect()}))
      .filter(({element, rect}) => rect.width > 0 && rect.height > 0
        && getComputedStyle(element).visibility === "visible");
    if (!drawn.some(({element}) => element.matches("button"))) buttonless.push(index);
    if (drawn.length === 0) return;
    const lowest = Math.max(...drawn.map(({rect}) => rect.bottom));
    const sideways = code.scrollWidth - code.clientWidth;
    const text = code.textContent;
    const lines = new Set();
    const over = new Set();
    const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    let offset = 0;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const start = offset;
      offset += node.data.length;
      if (!node.data.trim()) continue;
      range.selectNodeContents(node);
      const rects = Array.from(range.getClientRects()).filter(rect => rect.width > 0);
      if (rects.length > 0 && rects[0].top >= lowest) break;  // the lines further down are clear
      for (const rect of rects) {
        // Where the text is at scroll 0; scrolled by s, it spans left - s to right - s, and it passes
        // under a box for some s from 0 to `sideways`.
        const left = rect.left + code.scrollLeft;
        const right = rect.right + code.scrollLeft;
        for (const {element, rect: box} of drawn) {
          const level = rect.top < box.bottom && rect.bottom > box.top;
          const passes = right - box.left > Math.max(0, left - box.right) && left - box.right < sideways;
          if (level && passes) {
            const from = text.lastIndexOf("\\n", start) + 1;
            const to = text.indexOf("\\n", start);
            lines.add(text.slice(from, to === -1 ? undefined : to).trim().slice(0, 80));
            over.add(describe(element));
          }
        }
      }
    }
    if (lines.size > 0) {
      const panel = code.closest(".tabbed-block");
      const tab = panel ? tabOf(panel).label.textContent.trim() : null;
      covered.push({index, tab, by: [...over], lines: [...lines]});
    }
  };

  // Measure the blocks on show, then show the next tab of each set that hides one, and again.
  let pending = codes.map((code, index) => index);
  for (let round = 0; pending.length > 0 && round < 20; round++) {
    const hidden = pending.filter(index => codes[index].getClientRects().length === 0);
    pending.filter(index => !hidden.includes(index)).forEach(index => measure(codes[index], index));
    const switched = new Set();
    for (const index of hidden) {
      const code = codes[index];
      for (let panel = code.closest(".tabbed-block"); panel; panel = panel.parentElement.closest(".tabbed-block")) {
        const {set, radio} = tabOf(panel);
        if (!radio.checked && !switched.has(set)) { radio.checked = true; switched.add(set); }
      }
    }
    if (switched.size === 0) break;
    pending = hidden;
  }
  const unmeasured = codes.map((code, index) => index).filter(index => !measured.has(index));
  checkedBefore.forEach(radio => { radio.checked = true; });
  closedBefore.forEach(details => { details.open = false; });

  const outside = [];
  const reachOut = element => {
    let inner = false;
    if (getComputedStyle(element).overflowX === "visible") {
      for (const child of element.children) inner = reachOut(child) || inner;
    }
    if (!inner && element.getBoundingClientRect().right > innerWidth + 0.5) {
      outside.push(describe(element));
      return true;
    }
    return inner;
  };
  const width = document.documentElement.scrollWidth;
  if (width > innerWidth) reachOut(document.body);
  covered.sort((one, other) => one.index - other.index);
  buttonless.sort((one, other) => one - other);
  return {
    blocks: codes.length, covered, buttonless, unmeasured, width, screen: innerWidth, outside: outside.slice(0, 5),
  };
}"""


def on_a_phone(page: Any) -> dict[str, Any]:
    """The page's layout at the width of a phone (PHONE_LAYOUT); the window is then put back as it was."""
    window = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        return page.evaluate(PHONE_LAYOUT)
    finally:
        page.set_viewport_size(window)


SCHEMES = {"light": "default", "dark": "slate"}
AXE_IMPACTS = ("serious", "critical")


@dataclass
class PageRecord:
    """What the walk saw on one page."""

    address: str
    traffic: Traffic
    copies: list[dict[str, Any]] = field(default_factory=list)
    violations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    phone: dict[str, Any] = field(default_factory=dict)


def wait_until_settled(page: Any) -> None:
    """Wait for the load event and for the search index, which Material fetches after the page."""
    page.wait_for_load_state("load")
    page.wait_for_function(SEARCH_READY)


# Only colours change between the schemes: in the second scheme, axe-core checks colour rules only.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]


#: axe-core over the page, but for the panels of content tabs not on show. Their elements are
#: `display: none`, which axe's rules pass over, yet walking them cost a third of each run on a page of
#: examples in three languages. Which language is on show is the reader's last choice; the content
#: tabs' test runs axe with each language shown (`tests/browser/test_content_tabs.py`).
AXE_RUN = """options => {
  const hidden = Array.from(document.querySelectorAll(".tabbed-set > .tabbed-content > .tabbed-block"))
    .filter(block => getComputedStyle(block).display === "none");
  return axe.run({exclude: hidden.map(block => [block])}, options);
}"""


NO_TRANSITIONS = """() => {
  const style = document.createElement("style");
  style.id = "no-transitions";
  style.textContent = "* { transition: none !important; }";
  document.head.append(style);
}"""


def serious_violations(page: Any, axe_script: str, rules: list[str] | None = None) -> list[dict[str, Any]]:
    """axe-core's violations of impact serious or critical on the page as it is now.

    `axe_script` is the text of axe-core (`browser.axe_core`); it is injected once per page load.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_script)
    options: dict[str, Any] = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    # Check the colours as they end: a change of scheme starts colour transitions (links, code), and
    # axe would otherwise read a colour halfway.
    page.evaluate(NO_TRANSITIONS)
    try:
        results = page.evaluate(AXE_RUN, options)
    finally:
        page.evaluate("() => document.getElementById('no-transitions').remove()")
    return [
        {
            "rule": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "targets": [node["target"] for node in violation["nodes"]][:5],
            "summary": violation["nodes"][0].get("failureSummary", "") if violation["nodes"] else "",
        }
        for violation in results["violations"]
        if violation["impact"] in AXE_IMPACTS
    ]


def set_system_scheme(page: Any, scheme: str) -> None:
    """Make the browser report `scheme` as the system preference; wait until the page follows it."""
    page.emulate_media(color_scheme=scheme)
    page.wait_for_function(
        "scheme => document.body.getAttribute('data-md-color-scheme') === scheme", arg=SCHEMES[scheme]
    )


# An address the site does not have: GitHub Pages answers it with the site's 404 page.
MISSING = "there-is-no-page-at-this-address/"


def each_page(*, missing: bool = False) -> list[Any]:
    """pytest parameters, one per page (and the 404 page if `missing`).

    All the tests of one page share one visit (`Walker`); the `xdist_group` mark keeps them in the
    same test process when the suite runs in parallel, so that each page is visited only once.
    """
    import pytest

    paths = [*page_paths(), *([MISSING] if missing else [])]
    return [
        pytest.param(path, id=path or "home", marks=pytest.mark.xdist_group(f"page {path or 'home'}"))
        for path in paths
    ]


def visit_page(
    page: Any, site: Site, path: str, axe_script: str
) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
    """Do on one page what several tests need to look at; return its copies, axe violations and phone layout.

    Wait until it has loaded and the search index is ready; scroll to the bottom and back
    (back-to-top button); hover over a navigation link; run axe-core with the
    system scheme set to light, then to dark, which the palette follows until the reader picks a
    scheme (in dark, the colour rules only: nothing else changes); then select each content tab
    and press each copy button, reading the clipboard; then narrow the window to a phone's and
    measure the layout (`on_a_phone`). On the home page, also search, and follow a link of the
    navigation.
    """
    address = site.url(path)
    page.goto(address)
    wait_until_settled(page)
    page.mouse.wheel(0, 20_000)
    page.mouse.wheel(0, -20_000)
    page.locator(".md-nav--primary a.md-nav__link:visible").last.hover()
    violations = {"light": serious_violations(page, axe_script)}
    set_system_scheme(page, "dark")
    violations["dark"] = serious_violations(page, axe_script, COLOUR_RULES)
    set_system_scheme(page, "light")
    copies = copy_every_block(page)
    phone = on_a_phone(page)
    if address == site.base:
        page.keyboard.press("/")
        page.keyboard.type("patient")
        page.locator(".md-search-result__item").first.wait_for()
        page.keyboard.press("Escape")
        link = page.locator(".md-nav--primary a.md-nav__link:visible").last
        target = link.evaluate("link => link.href")
        link.click()
        # The address may gain a #section on arrival (anchor tracking): compare without it.
        page.wait_for_url(lambda url, target=target: url.split("#")[0] == target)
        page.locator(".md-content h1").first.wait_for()
        # Let that page finish loading too: a request of its own still under way (the search worker)
        # would be cut off by the next visit, and counted as a failure of the page visited next.
        wait_until_settled(page)
    return copies, violations, phone


class Walker:
    """Visits pages on demand (`visit_page`), each once per test process, and keeps what it saw.

    The visits share one browser context, as a reader's tab would: the browser's cache, and the
    content tab last chosen, carry from one page to the next. What each page requested and logged
    is recorded from its own visit only. `asked` lists the pages asked for since it was last
    cleared, so that a failing test can say which visits it looked at (see `replay`).
    """

    def __init__(self, browser: Any, site: Site, axe_script: str, context_args: dict[str, Any] | None = None) -> None:
        self.site = site
        self.axe_script = axe_script
        self.records: dict[str, PageRecord] = {}
        self.asked: list[str] = []
        self._browser = browser
        self._context_args = {**(context_args or {}), "color_scheme": "light"}
        self._context = self._new_context()
        self._traffic = Traffic()
        watch(self._context, self._traffic)
        self._page = self._context.new_page()
        self._page.set_default_timeout(15_000)

    def _new_context(self) -> Any:
        context = self._browser.new_context(**self._context_args)
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=self.site.origin)
        return context

    def record(self, path: str) -> PageRecord:
        self.asked.append(path)
        if path not in self.records:
            self._traffic.clear()
            copies, violations, phone = visit_page(self._page, self.site, path, self.axe_script)
            self.records[path] = PageRecord(self.site.url(path), self._traffic.snapshot(), copies, violations, phone)
        return self.records[path]

    def replay(self, path: str, trace: Path | None, screenshot: Path | None) -> None:
        """Visit a page again as `record` did, in a fresh context, keeping a trace and a final screenshot.

        Tracing every visit would slow the whole walk for the sake of the rare failure; a test that
        failed on a page's record calls this instead. The site is static, so the second visit sees
        what the first saw, except what the shared context carried over from earlier pages.
        """
        context = self._new_context()
        try:
            if trace is not None:
                context.tracing.start(title=f"page walk: /{path}", screenshots=True, snapshots=True)
            page = context.new_page()
            page.set_default_timeout(15_000)
            try:
                visit_page(page, self.site, path, self.axe_script)
            except Exception:  # noqa: BLE001 - the trace shows how the visit failed
                pass
            if screenshot is not None:
                page.screenshot(path=screenshot, timeout=5_000)
            if trace is not None:
                context.tracing.stop(path=trace)
        finally:
            context.close()

    def close(self) -> None:
        self._context.close()
