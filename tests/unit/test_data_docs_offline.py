"""Data Docs offline: every asset GX's templates load is vendored, and pages GX renders come out local only.

The pages here are rendered by GX's own page views from its installed templates, so a GX upgrade that names a
new CDN file, a new version or a new host fails these tests instead of shipping a page that calls out.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from fmp_elt.quality import offline_docs
from fmp_elt.quality.offline_docs import ASSETS, GX_IMAGES, VENDOR_DIR, make_offline, outside_references
from tests.fixtures.data_docs import fetched

GX_VIEW = Path(__import__("great_expectations.render.view", fromlist=["view"]).__file__).parent
CONTEXT_ID = "3b1c5f0e-0000-4000-8000-00000000c0de"


def gx_html_sources() -> dict[str, str]:
    """The templates and styles GX renders HTML Data Docs from (its markdown renderings are not pages)."""
    files = [p for p in (GX_VIEW / "templates").glob("*.j2") if not p.name.startswith("markdown_")]
    files += list((GX_VIEW / "static" / "styles").glob("*.css"))
    return {p.name: p.read_text(encoding="utf-8") for p in files}


def test_every_outside_url_in_gx_templates_is_vendored_an_image_or_a_link() -> None:
    links = set()
    urls: list[tuple[str, str]] = []
    for name, text in gx_html_sources().items():
        links |= set(re.findall(r"""<a\b[^>]*\bhref=["'](https?://[^"']+)""", text))
        urls += [(name, url) for url in re.findall(r"""https?://[^\s"'<>)]+""", text)]
    known = {*ASSETS, *links}
    unknown = [(name, url) for name, url in urls if url not in known and not url.startswith(GX_IMAGES)]
    assert unknown == [], "GX loads files fmp-elt does not vendor: add them to offline_docs.ASSETS"
    named = {url for _, url in urls}
    assert sorted(set(ASSETS) - named) == [], "vendored for a reference GX no longer makes"
    assert any(url.startswith(GX_IMAGES) for url in named)


def test_each_vendored_file_is_the_file_the_cdn_serves_and_keeps_its_licence() -> None:
    integrity = {}
    for text in gx_html_sources().values():
        for tag in re.findall(r"<(?:script|link)\b[^>]*>", text):
            found = re.search(r'(?:src|href)="([^"]+)"[^>]*integrity="sha384-([^"]+)"', tag)
            if found:
                integrity[found.group(1)] = found.group(2)
    assert len(integrity) == 2  # popper.js and bootstrap's JS carry subresource-integrity hashes
    for url, digest in integrity.items():
        data = (VENDOR_DIR / ASSETS[url]).read_bytes()
        assert base64.b64encode(hashlib.sha384(data).digest()).decode() == digest, url
    for path in ASSETS.values():
        package = VENDOR_DIR / path.split("/")[0]
        assert (VENDOR_DIR / path).stat().st_size > 100, path
        licences = [p.name for p in package.iterdir() if p.name.startswith("LICENSE")]
        declared = package / "package.json"  # the tarballs of vega and popper.js hold no licence file
        assert licences or json.loads(declared.read_text())["license"], package.name


def test_every_url_in_the_vendored_css_resolves_to_a_vendored_file() -> None:
    fonts = set()
    for css in VENDOR_DIR.rglob("*.css"):
        for ref in re.findall(r"""url\(\s*["']?([^"')]+)""", css.read_text(encoding="utf-8")):
            if ref.startswith("data:"):
                continue
            assert not re.match(r"(https?:)?//", ref), f"{css.name} loads {ref}"
            target = (css.parent / ref.split("?")[0].split("#")[0]).resolve()
            assert target.is_file(), f"{css.name}: {ref}"
            fonts |= {target.name} if target.suffix == ".woff2" else set()
    assert len(fonts) == 4  # Font Awesome's brands, regular, solid and v4-compatibility webfonts


@pytest.fixture
def rendered(tmp_path: Path) -> Path:
    """A Data Docs folder laid out as GX builds it, its pages rendered by GX from its templates."""
    from great_expectations.render import RenderedDocumentContent
    from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView

    docs = tmp_path / "docs"
    shutil.copytree(GX_VIEW / "static", docs / "static")  # what GX copies into each build
    pages = {
        "index.html": ("SiteIndexPageRenderer", DefaultJinjaIndexPageView),
        "expectations/daily_prices.html": ("ExpectationSuitePageRenderer", DefaultJinjaPageView),
        "validations/daily_prices/run/20240614T220000.000000Z/whole.html": (
            "ValidationResultsPageRenderer",
            DefaultJinjaPageView,
        ),
    }
    for path, (renderer, view) in pages.items():
        document = RenderedDocumentContent(
            sections=[], renderer_type=renderer, page_title="daily_prices", expectation_suite_name="daily_prices"
        )
        page = docs / path
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(view().render(document, data_context_id=CONTEXT_ID), encoding="utf-8")
        assert outside_references(page.read_text(encoding="utf-8"))  # as GX renders it, it calls out
    return docs


def test_pages_gx_renders_load_only_shipped_files_and_carry_no_tracking(rendered: Path) -> None:
    report = make_offline(rendered)

    assert report.pages == 3
    assert report.dropped == {}
    for page in rendered.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert outside_references(text) == [], page
        assert CONTEXT_ID not in text
        assert "dataContextId" not in text
        assert "integrity=" not in text
        assert "crossorigin" not in text
        assert "<footer" not in text  # the newsletter footer
        refs = fetched(page)
        vendored = [ref for ref in refs if "static/vendor/" in ref]
        assert len(vendored) == len(ASSETS) - 1, page  # a page loads one of the filter-control stylesheets
        for ref in refs:  # the favicon too, which GX links one folder too high from a validation page
            assert (page.parent / ref).resolve().is_file(), (page, ref)
        [logo] = re.findall(r'<img\b[^>]*\bsrc="([^"]+)"', text)
        assert (page.parent / logo).resolve() == (rendered / "static" / "images" / "logo-long.png").resolve()
        assert "Great Expectations" in text  # the link to GX's site keeps its text, not its target


def test_rewriting_twice_changes_nothing(rendered: Path) -> None:
    make_offline(rendered)
    first = {p: p.read_text(encoding="utf-8") for p in rendered.rglob("*.html")}
    make_offline(rendered)
    assert {p: p.read_text(encoding="utf-8") for p in rendered.rglob("*.html")} == first


def test_an_unknown_outside_reference_is_removed_and_reported(tmp_path: Path) -> None:
    page = tmp_path / "index.html"
    page.write_text(
        "<html><head>"
        '<script src="https://cdn.example.com/new-lib@2.js"></script>'
        '<link rel="stylesheet" href="//cdn.example.com/new.css">'
        "<style>.x { background: url('https://cdn.example.com/bg.png') }</style>"
        '</head><body><img src="https://tracker.example.com/p.gif?id=1"><p>kept</p>'
        '<a href="https://example.com/docs">docs</a></body></html>',
        encoding="utf-8",
    )
    report = make_offline(tmp_path)
    text = page.read_text(encoding="utf-8")
    assert report.dropped == {
        "index.html": [
            "https://cdn.example.com/new-lib@2.js",
            "//cdn.example.com/new.css",
            "https://cdn.example.com/bg.png",
            "https://tracker.example.com/p.gif?id=1",
        ]
    }
    assert outside_references(text) == []
    for tag in ("<script", "<img", "<link"):
        assert tag not in text
    assert "<p>kept</p><a>docs</a>" in text
    assert (tmp_path / offline_docs.VENDOR_TARGET / ASSETS["https://code.jquery.com/jquery-3.7.1.min.js"]).is_file()
