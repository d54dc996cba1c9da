"""The search index stays within its budget and holds what readers search: the prose, without the
client's reference, and the contributors' guide by each section's heading and first paragraph."""

from __future__ import annotations

from pathlib import Path


#: The search index's budget, gzipped: about half of the bare build's index of the same pages, which
#: still holds the code blocks, the client's reference and the contributors' how-to. Every page
#: downloads it. It was 23 KiB (half of the bare build's 46 KB); the Sandbox page added 2.7 KB of prose
#: that readers search (`make bench-site ARGS="--build-only"`: 25.5 KB here, 51.8 KB bare), and the
#: archived and deleted lists, unarchive, filters and preconditions 0.9 KB more (26.5 KB, 53.4 KB bare),
#: so 27 KiB. The "Keep a copy in sync" page, the client's filters and preconditions, and the rule for
#: "today" added 3.7 KB more (30.2 KB, 64.4 KB bare), so 31 KiB. The OpenAPI page's section on a
#: generated Python client added 0.4 KB (32.1 KB), so 32 KiB. Versions and compatibility, the `409` for
#: an archived patient and what to send to support added 1.1 KB (33.2 KB), so 33 KiB. The home page's
#: table of where Cliniko's live service differs, with a link to it from each page concerned, added 0.6 KB
#: (34.1 KB), so 34 KiB. The "Versions and changes" page added 1.2 KB, measured against the same build
#: without it, with its changelog's entries left out of the index (hooks/changelog_feed.py): 35.3 KB, so
#: 35 KiB. The contributors' guide, indexed by each section's heading and first paragraph so that
#: contributors find it (it was left out before), and the reader's feedback page added 3.9 KB (39.2 KB),
#: so 39 KiB. The sandbox's new rules (a header sent twice, the bounded 422, the framing statuses, and
#: that If-Unmodified-Since has whole seconds) added 0.7 KB (39.9 KB), so 40 KiB. New prose moves it by
#: what it measures; what the index leaves out must stay out.
SEARCH_INDEX_BUDGET = 40 * 1024


def test_the_search_index_stays_small_and_keeps_the_prose_readers_search(built_site: Path) -> None:
    """What docs/contributing.md ("Measure speed") says the index leaves out stays out, and no more."""
    import gzip
    import json

    raw = (built_site / "search" / "search_index.json").read_bytes()
    size = len(gzip.compress(raw))
    assert size <= SEARCH_INDEX_BUDGET, f"the search index is {size} bytes gzipped, over {SEARCH_INDEX_BUDGET}"
    locations = [entry["location"] for entry in json.loads(raw)["docs"]]
    # The client's reference is left out ...
    assert not [place for place in locations if "#cliniko_client." in place]
    # ... but not the prose around it: the client page, its sections, and the feedback page.
    assert {"client/", "client/#errors-are-exceptions", "feedback/", "feedback/#an-example-does-not-work"} <= set(locations)
    assert len([place for place in locations if place.startswith("rate-limiting/")]) > 3


def test_the_contributors_guide_is_found_by_its_headings_and_first_paragraphs(built_site: Path) -> None:
    """The contributors' guide is in the index, each section by its heading and first paragraph only
    (`search: lead_only`, hooks/lean_code_blocks.py): found by a contributor, light for every reader."""
    import json
    import re

    entries = {entry["location"]: entry for entry in json.loads((built_site / "search" / "search_index.json").read_bytes())["docs"]}
    page = (built_site / "contributing" / "index.html").read_text(encoding="utf-8")
    sections = re.findall(r'<h([23]) id="([^"]+)">(.*?)<a class="headerlink"', page)
    assert len(sections) > 10
    for _, anchor, _ in sections:
        assert f"contributing/#{anchor}" in entries, f"the section {anchor} of the contributors' guide is not in the index"
    # Each section's text in the index is its first paragraph, at most, never the rest of the section.
    first = {anchor: re.search(rf'id="{anchor}">.*?</h[23]>\s*(<p>(.*?)</p>)?', page, re.DOTALL) for _, anchor, _ in sections}
    for anchor, match in first.items():
        text = entries[f"contributing/#{anchor}"]["text"]
        lead = re.sub(r"<[^>]+>", "", match.group(2) or "")
        assert len(text) <= len(lead) + 20, f"the index holds more of {anchor} than its first paragraph: {text[:200]!r}"
        assert bool(text) == bool(lead.strip()), f"the index lost the first paragraph of {anchor}"
