"""The trimming of code blocks (hooks/lean_code_blocks.py) drops and merges only spans that change no
colour, as long as the stylesheets draw them as the hook assumes."""

from __future__ import annotations

from pathlib import Path


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
