"""The site builds with `mkdocs build --strict`: any warning (a broken link, a missing snippet) fails."""

from __future__ import annotations

from pathlib import Path

from project import ROOT, SNIPPETS


def test_strict_build_produces_every_page(built_site: Path) -> None:
    assert (built_site / "index.html").is_file()
    assert (built_site / "sitemap.xml").is_file()


def test_an_include_of_a_missing_snippet_fails_the_build(tmp_path: Path) -> None:
    """`check_paths: true` makes a page that includes a file that does not exist a build error."""
    import os
    import shutil
    import subprocess
    import sys

    project = tmp_path / "project"
    shutil.copytree(SNIPPETS, project / "snippets")
    (project / "docs").mkdir()
    (project / "docs" / "index.md").write_text(
        '# Broken\n\n```python\n--8<-- "no_such_directory/no_such_example.py"\n```\n', encoding="utf-8"
    )
    config = (
        "site_name: Broken include\n"
        "markdown_extensions:\n"
        "  - pymdownx.superfences\n"
        "  - pymdownx.snippets:\n"
        "      base_path: [snippets]\n"
        "      check_paths: true\n"
    )
    (project / "mkdocs.yml").write_text(config, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=project,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0
    assert "no_such_example.py" in result.stderr


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


def test_code_drops_only_the_spans_drawn_in_the_text_colour(built_site: Path) -> None:
    """hooks/lean_code_blocks.py unwraps Pygments' whitespace and plain-name tokens. That is right only
    while a plain name is drawn in the code's own colour: Material says so, and nothing of ours changes it."""
    import html
    import re

    main_css = next((built_site / "assets" / "stylesheets").glob("main.*.min.css")).read_text(encoding="utf-8")
    assert "--md-code-hl-name-color:var(--md-code-fg-color)" in main_css
    assert re.search(r"\.highlight \.n[,{]", main_css), "Material no longer colours plain names the way the hook assumes"
    for stylesheet in (built_site / "assets").rglob("*.css"):
        text = stylesheet.read_text(encoding="utf-8")
        if stylesheet.name.startswith(("main.", "palette.")):
            # Material's own: every scheme it defines maps plain names to the code's text colour.
            values = re.findall(r"--md-code-hl-name-color:([^;}]*)", text)
            assert set(values) <= {"var(--md-code-fg-color)"}, (stylesheet.name, values)
            continue
        assert "--md-code-hl-name-color" not in text, stylesheet.name
    errors = (built_site / "errors" / "index.html").read_text(encoding="utf-8")
    assert '<span class="n">' not in errors and '<span class="w">' not in errors
    # The names are still there, as text.
    assert "requests." in html.unescape(re.sub(r"<[^>]+>", "", errors))


def test_code_merges_only_tokens_drawn_in_one_colour(built_site: Path) -> None:
    """hooks/lean_code_blocks.py makes neighbouring tokens of one colour group one span. That is right only
    while every class of a group is drawn with the same colour and nothing else sets them apart."""
    import re

    from hooks.lean_code_blocks import COLOUR_GROUPS, MUTED_VARIABLES

    stylesheets = {path.name: path.read_text(encoding="utf-8") for path in (built_site / "assets").rglob("*.css")}
    rules = [(selectors, body) for text in stylesheets.values() for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text)]
    variable_of: dict[str, set[str]] = {}
    for selectors, body in rules:
        for name in re.findall(r"\.highlight \.([a-z0-9]+)(?=[,:\s]|$)", selectors):
            variable_of.setdefault(name, set()).add(body)
    for group, names in COLOUR_GROUPS.items():
        expected = {f"color:var(--md-code-hl-{variable}-color)" for variable in (MUTED_VARIABLES if group == "muted" else (group,))}
        for name in names:
            # Each class has exactly one rule, a colour from its group's variables, and nothing else.
            assert variable_of.get(name, set()) <= expected and len(variable_of.get(name, ())) == 1, (name, variable_of.get(name))
    # "sa" has no rule of its own; "kc" shares the plain names' rule.
    assert "sa" not in variable_of and variable_of["kc"] == {"color:var(--md-code-hl-name-color)"}
    # The muted group's variables are equal wherever any of them is set: Material's defaults and extra.css.
    settings = 0
    for selectors, body in rules:
        values = {variable: re.findall(rf"--md-code-hl-{variable}-color:([^;]+)", body) for variable in MUTED_VARIABLES}
        if any(values.values()):
            settings += 1
            assert all(values.values()) and len({value for found in values.values() for value in found}) == 1, (selectors, body)
    assert settings >= 3  # Material's default, extra.css's light and dark schemes
    errors = (built_site / "errors" / "index.html").read_text(encoding="utf-8")
    pairs = re.findall(r'<span class="([a-z0-9]+)">[^<]*</span><span class="([a-z0-9]+)">', errors)
    group_of = {name: group for group, names in COLOUR_GROUPS.items() for name in names}
    assert pairs and not [pair for pair in pairs if pair[0] in group_of and group_of[pair[0]] == group_of.get(pair[1])]


def test_lighten_keeps_every_character_in_its_colour_and_the_comments_as_they_were() -> None:
    """On real Pygments output: the text and each character's colour group are the same after the hook,
    with fewer spans, and the comment spans that Material reads for annotations are untouched."""
    import re
    from html.parser import HTMLParser

    from markdown import markdown

    from hooks.lean_code_blocks import COLOUR_GROUPS, lighten

    group_of = {name: group for group, names in COLOUR_GROUPS.items() for name in names}
    plain = {"w", "n", "sa", "kc"}
    source = (
        "```python\n"
        'import requests  # (1)!\nname = f"{user[\'first\']} {user.get(\"last\", None)}"\n'
        'response = requests.get(url, headers={"Accept": "application/json"}, timeout=10.5)\n'
        "if response.status_code >= 400 and not True: print(response.json()['errors'])\n"
        "```\n\n"
        "```bash\n"
        'curl --fail-with-body -H "Authorization: Basic $(printf \'%s:\' "$API_KEY" | base64)" \\\n'
        '  "https://api.au1.cliniko.com/v1/users/${ID}"  # the user\n'
        "```\n"
    )
    rendered = markdown(source, extensions=["pymdownx.superfences", "pymdownx.highlight"])

    class Colours(HTMLParser):
        """Each character of the HTML with the colour group of the innermost token span around it."""

        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []
            self.drawn: list[tuple[str, str]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "span":
                self.stack.append(dict(attrs).get("class") or "")

        def handle_endtag(self, tag: str) -> None:
            if tag == "span":
                self.stack.pop()

        def handle_data(self, data: str) -> None:
            tokens = [name for name in self.stack if name != "hll"]
            name = tokens[-1] if tokens else ""
            group = "text" if not name or name in plain else group_of.get(name, name)
            self.drawn += [(character, group) for character in data]

    def colours(fragment: str) -> list[tuple[str, str]]:
        parser = Colours()
        parser.feed(fragment)
        return parser.drawn

    lean = lighten(rendered)
    assert colours(lean) == colours(rendered)
    assert lean.count("<span") < rendered.count("<span") - 10
    comments = re.compile(r'<span class="c1?">[^<]*</span>')
    assert comments.findall(lean) == comments.findall(rendered) and len(comments.findall(lean)) == 2


def test_only_the_page_with_the_reference_links_mkdocstrings_stylesheet(built_site: Path) -> None:
    """hooks/page_assets.py: the client page keeps the link (and the file is there), no other page has it."""
    link = "assets/_mkdocstrings.css"
    assert (built_site / link).is_file()
    assert link in (built_site / "client" / "index.html").read_text(encoding="utf-8")
    others = [page for page in built_site.rglob("*.html") if page.parent.name != "client"]
    assert len(others) > 10
    assert not [str(page.relative_to(built_site)) for page in others if link in page.read_text(encoding="utf-8")]


#: The override of Material's search dialog, which gives it a name (and gives Zensical its own dialog).
SEARCH_OVERRIDE = ROOT / "overrides" / "partials" / "search.html"
#: The one change the override makes to Material's template.
SEARCH_NAME = ''' aria-label="{{ lang.t('search') }}"'''


def test_the_search_override_is_materials_template_with_a_name_only() -> None:
    """overrides/partials/search.html is Material's installed template, but for the dialog's name; its
    comment names the Material release it follows. A Material upgrade that changes the template fails here."""
    import re
    from importlib.metadata import version
    from importlib.resources import files

    override = SEARCH_OVERRIDE.read_text(encoding="utf-8")
    mkdocs_branch = re.search(r"\{% if mkdocs_version is defined -%\}\n(.*?)\{%- else -%\}", override, re.DOTALL)
    assert mkdocs_branch, "the override has no branch for MkDocs ({% if mkdocs_version is defined -%})"
    material = files("material").joinpath("templates/partials/search.html").read_text(encoding="utf-8")
    material = re.sub(r"\A\{#-.*?-#\}\n", "", material, flags=re.DOTALL)
    assert mkdocs_branch.group(1).replace(SEARCH_NAME, "", 1) == material, (
        "overrides/partials/search.html differs from Material's partials/search.html by more than the dialog's "
        "name: copy Material's template into it again and add the name"
    )
    assert SEARCH_NAME in mkdocs_branch.group(1).split("\n", 1)[0], "the dialog has no name"
    release = version("mkdocs-material")
    assert f"Material for MkDocs {release}" in override, f"the override's comment does not name Material {release}"


def test_every_page_has_a_named_search_dialog(built_site: Path) -> None:
    pages = sorted(built_site.rglob("*.html"))
    assert (built_site / "404.html") in pages and len(pages) > 10
    unnamed = [
        str(page.relative_to(built_site))
        for page in pages
        if page.read_text(encoding="utf-8").count('data-md-component="search" role="dialog" aria-label="Search">') != 1
    ]
    assert not unnamed, f"pages without one named search dialog: {unnamed}"
