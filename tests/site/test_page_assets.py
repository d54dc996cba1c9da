"""What each page loads and shows beyond its text: mkdocstrings' stylesheet on the one page that needs
it, and a named search dialog, from an override that follows Material's template."""

from __future__ import annotations

from pathlib import Path

from project import ROOT


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
