/*
 * The "Report a problem with this example" link under every code block opens
 * a new GitHub issue that names the page, the example, its section, tab, the
 * block (the code, its output or the sandbox commands) and file. The build
 * writes those links into the page (hooks/example_reports.py), which says how
 * the examples are counted: `numberExamples` below counts them the same way.
 * This script adds the first lines of the code to the issue, when the reader
 * is about to follow a link: on hover, focus, touch or a right click. Nothing
 * is sent anywhere: the reader sees the prefilled issue on GitHub and decides
 * whether to submit it.
 *
 * Where a build wrote no links (Zensical runs no hooks), the script adds them
 * itself when the page loads.
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
  /* The paragraph between an example's code and its output (hooks/examples.py). */
  var OUTPUT_LABEL = "Output:";
  var CODE = "code", OUTPUT = "output", SETUP = "sandbox commands";

  function issueUrl(title, body) {
    return issuesAddress() + "?title=" + encodeURIComponent(title) +
      "&body=" + encodeURIComponent(body);
  }

  /* Text of a heading without the "¶" permalink that follows it. */
  function headingText(heading) {
    var copy = heading.cloneNode(true);
    copy.querySelectorAll(".headerlink").forEach(function (link) {
      link.remove();
    });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }

  function pageAddress() {
    var canonical = document.querySelector("link[rel=canonical]");
    return canonical ? canonical.href : location.href.split("#")[0];
  }

  /* The heading closest above the block, with its permalink. */
  function sectionOf(block, article) {
    var found = null;
    article.querySelectorAll("h2[id], h3[id], h4[id]").forEach(function (h) {
      if (h.compareDocumentPosition(block) & Node.DOCUMENT_POSITION_FOLLOWING) {
        found = h;
      }
    });
    if (!found) return null;
    return { title: headingText(found), address: pageAddress() + "#" + found.id };
  }

  /* The label of the content tab that holds the block, if any. */
  function tabOf(block) {
    var tab = block.closest(".tabbed-block");
    if (!tab || !tab.parentElement) return null;
    var set = tab.parentElement.closest(".tabbed-set");
    if (!set) return null;
    var index = Array.prototype.indexOf.call(tab.parentElement.children, tab);
    var labels = set.querySelectorAll(":scope > .tabbed-labels > label");
    return labels[index] ? labels[index].textContent.trim() : null;
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

  /* The outermost set of content tabs that holds the block, if any. */
  function tabSetOf(block) {
    var set = null;
    for (var node = block.parentElement; node; node = node.parentElement) {
      if (node.classList.contains("tabbed-set")) set = node;
    }
    return set;
  }

  function afterOutputLabel(block) {
    var before = block.previousElementSibling;
    return before !== null && before.tagName === "P" &&
      before.textContent.replace(/\s+/g, " ").trim() === OUTPUT_LABEL;
  }

  /* Each block's example: its number on the page and, where the example has
     more than one block, which part the block is. A set of content tabs is one
     example; a block after "Output:" is the output of the block before it;
     sandbox commands belong to the example after them; any other block is an
     example of its own. */
  function numberExamples(blocks) {
    var number = 0;
    var waiting = false;  /* sandbox commands took the number of the next example */
    var previous = null;
    return blocks.map(function (block) {
      var item = { block: block, set: tabSetOf(block), number: 0, part: null };
      if (block.closest(".sandbox-setup")) {
        if (!waiting) {
          number += 1;
          waiting = true;
        }
        item.number = number;
        item.part = SETUP;
        return item;
      }
      if (previous && afterOutputLabel(block) && previous.set === item.set) {
        item.number = previous.number;
        item.part = OUTPUT;
        previous.part = previous.part || CODE;
      } else if (previous && item.set && previous.set === item.set) {
        item.number = previous.number;
      } else {
        if (!waiting) number += 1;
        waiting = false;
        item.number = number;
      }
      previous = item;
      return item;
    });
  }

  function describe(item, article) {
    var block = item.block;
    var number = item.number;
    var h1 = article.querySelector("h1");
    var page = h1 ? headingText(h1) : document.title;
    var section = sectionOf(block, article);
    var tab = tabOf(block);
    var filename = block.querySelector(".filename");
    var where = "example " + number;
    if (tab) where += ", " + tab + " tab";
    if (item.part) where += ", " + item.part;
    if (section) where += ", under \u201c" + section.title + "\u201d";

    var body = [
      "Page: " + pageAddress(),
      "Example: " + number + " on the page, counting from the top",
    ];
    if (section) body.push("Section: " + section.title + " (" + section.address + ")");
    if (tab) body.push("Tab: " + tab);
    if (item.part) body.push("Block: " + item.part);
    if (filename) body.push("File: " + filename.textContent.trim());
    body.push(
      "",
      "The example starts:",
      "",
      "````",
      excerpt(block),
      "````",
      "",
      "What is wrong (what you ran, what you expected, what happened):",
      ""
    );
    return {
      title: "Example problem: " + page + " (" + where + ")",
      body: body.join("\n"),
      label: "Report a problem with this example: " + where + " on \u201c" + page + "\u201d",
    };
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

  function addReportLinks() {
    var article = document.querySelector("article.md-content__inner");
    if (!article || article.querySelector(".example-report")) return;
    var blocks = Array.prototype.filter.call(
      article.querySelectorAll("div.highlight, div.highlighttable"),
      function (block) {
        /* A table of numbered lines holds a div.highlight of its own. */
        if (block.parentElement && block.parentElement.closest(".highlighttable")) return false;
        /* Source listings that mkdocstrings folds under API entries are not examples. */
        return !block.closest("details.quote");
      }
    );
    numberExamples(blocks).forEach(function (item) {
      var block = item.block;
      var info = describe(item, article);
      var paragraph = document.createElement("p");
      paragraph.className = "example-report";
      var link = document.createElement("a");
      link.href = issueUrl(info.title, info.body);
      link.target = "_blank";
      link.rel = "noopener";
      link.setAttribute("aria-label", info.label);
      link.textContent = "Report a problem with this example";
      paragraph.appendChild(link);
      block.insertAdjacentElement("afterend", paragraph);
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

  function enhance() {
    addReportLinks();
    fillMissingAddress();
  }

  watchReportLinks();

  /* Material announces each page on document$ (once per load, or once per page
     swapped in place should instant navigation be turned on); without Material,
     run once when the page is ready. */
  if (typeof document$ !== "undefined" && document$.subscribe) {
    document$.subscribe(enhance);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enhance);
  } else {
    enhance();
  }
})();
