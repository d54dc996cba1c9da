/*
 * The "Report a problem with this example" link under every code block opens
 * a new GitHub issue that names the page, the example, its section, tab, the
 * block (the code, its output or the sandbox commands) and file. Both builds
 * write those links into the page (hooks/example_reports.py, a Markdown
 * extension), which also says how the examples are counted. This script adds
 * the first lines of the code to the issue, when the reader is about to
 * follow a link: on hover, focus, touch or a right click. Nothing is sent
 * anywhere: the reader sees the prefilled issue on GitHub and decides whether
 * to submit it.
 *
 * The same script fills the current address into the "broken link" report on
 * the 404 page.
 */
(function () {
  "use strict";

  /* New issues go to the repository the header links to (repo_url). */
  function issuesAddress() {
    var repository = document.querySelector("a.md-source");
    var base = repository ? repository.href : "https://github.com/cliniko/cliniko-api";
    return base.replace(/\/+$/, "") + "/issues/new";
  }

  var MAX_LINES = 15;
  var MAX_CHARS = 1500;

  function issueUrl(title, body) {
    return issuesAddress() + "?title=" + encodeURIComponent(title) +
      "&body=" + encodeURIComponent(body);
  }

  function excerpt(block) {
    var code = block.querySelector("pre > code") || block.querySelector("code");
    if (!code) return "";
    var copy = code.cloneNode(true);
    copy.querySelectorAll(".md-annotation, .md-code__nav, button").forEach(function (node) {
      node.remove();
    });
    var lines = copy.textContent.replace(/\s+$/, "").split("\n");
    var text = lines.slice(0, MAX_LINES).join("\n");
    if (text.length > MAX_CHARS) text = text.slice(0, MAX_CHARS);
    if (lines.length > MAX_LINES || text.length === MAX_CHARS) text += "\n…";
    return text;
  }

  /* The code block a report paragraph belongs to: the one before it, past an
     annotation list that Material has not yet moved into the block. */
  function blockBefore(paragraph) {
    var node = paragraph.previousElementSibling;
    if (node && node.tagName === "OL") node = node.previousElementSibling;
    return node && node.matches("div.highlight, div.highlighttable") ? node : null;
  }

  var STARTS = "\nThe example starts:\n\n````\n";
  var ASKS = "What is wrong (what you ran, what you expected, what happened):";

  /* Put the first lines of the code into the issue the link opens, once. */
  function addExcerpt(link) {
    if (link.hasAttribute("data-excerpt")) return;
    link.setAttribute("data-excerpt", "");
    var block = blockBefore(link.parentElement);
    var url = new URL(link.href);
    var body = url.searchParams.get("body");
    var at = body === null ? -1 : body.indexOf(ASKS);
    if (!block || at < 0 || body.indexOf(STARTS) >= 0) return;
    body = body.slice(0, at) + STARTS.slice(1) + excerpt(block) + "\n````\n\n" + body.slice(at);
    link.href = issueUrl(url.searchParams.get("title") || "", body);
  }

  function watchReportLinks() {
    ["pointerover", "focusin", "touchstart", "contextmenu"].forEach(function (type) {
      document.addEventListener(type, function (event) {
        var link = event.target instanceof Element && event.target.closest(".example-report > a");
        if (link) addExcerpt(link);
      }, { capture: true, passive: true });
    });
  }

  function fillMissingAddress() {
    document.querySelectorAll("a[data-report-missing]").forEach(function (link) {
      link.href = issueUrl(
        "Broken link on the documentation site",
        [
          "A link led to a page that does not exist.",
          "",
          "The missing address: " + location.href,
          "The page with the link: " + (document.referrer || "(please add it)"),
          "",
        ].join("\n")
      );
    });
  }

  watchReportLinks();

  /* Material announces each page on document$ (once per load, or once per page
     swapped in place should instant navigation be turned on); without Material,
     run once when the page is ready. */
  if (typeof document$ !== "undefined" && document$.subscribe) {
    document$.subscribe(fillMissingAddress);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fillMissingAddress);
  } else {
    fillMissingAddress();
  }
})();
