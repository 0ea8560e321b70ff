"""Data Docs that open with no network and report to no one.

GX's page templates load Bootstrap, jQuery, bootstrap-table, Vega and Font Awesome from CDNs, and the navbar
logo is an image on GX's servers whose URL carries the data context id. GX's jinja loader reads its own
templates before a custom views folder, so configuration cannot replace them: after each build, `make_offline`
copies the files vendored in `data_docs_vendor/` (from npm, at the versions the templates name; the docs list
them) into the build's `static/vendor/` and rewrites every page to load those instead. GX's images come from the
build's own `static/images/`, links out of the site lose their target, the newsletter footer goes.

A reference it does not know is removed from the page and reported, so a page never calls out;
tests/unit/test_data_docs_offline.py fails when GX's templates name a file not vendored here.
"""

from __future__ import annotations

import html
import logging
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from importlib import resources
from pathlib import Path

log = logging.getLogger(__name__)

VENDOR_DIR = Path(str(resources.files("fmp_elt.quality") / "data_docs_vendor"))
VENDOR_TARGET = Path("static") / "vendor"  # inside a Data Docs build
IMAGES = Path("static") / "images"  # GX copies its images there in every build

# Where GX's templates load each asset from, and the vendored file that stands in for it. `vega@5` and the like
# name a major version only: the vendored file is that major's newest release.
ASSETS: dict[str, str] = {
    "https://cdn.jsdelivr.net/npm/vega@5": "vega-5.33.1/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite-5.23.0/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed-6.29.0/vega-embed.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
        "fontawesome-free-6.6.0/css/all.min.css"
    ),
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js-1.12.9/popper.min.js",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap-4.3.1/bootstrap.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap-4.3.1/bootstrap.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        "bootstrap-table-1.19.1/bootstrap-table.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        "bootstrap-table-1.19.1/bootstrap-table.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": (
        "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": (
        "bootstrap-table-1.19.0/bootstrap-table-filter-control.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": (
        "bootstrap-table-1.19.0/bootstrap-table-filter-control.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        "bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        "bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.css"
    ),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": (
        "bootstrap-dark-1.1.0/bootstrap-prefers-dark.css"
    ),
}
# GX's web-assets bucket: the navbar logo (its URL carries the data context id) and the dark-mode logo.
GX_IMAGES = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"

# Subresource-integrity and CORS attributes only make sense for a CDN; a file:// page has an opaque origin and
# Chromium refuses a `crossorigin` script from it.
_CDN_ONLY_ATTRS = {"integrity", "crossorigin"}
# Elements that fetch what a URL in them names; one naming an unknown outside URL is removed whole.
_FETCHING = {"script", "link", "img", "iframe", "source", "video", "audio", "embed", "object", "track", "input"}

_ELEMENT = re.compile(
    r"<script\b(?P<script>[^>]*)>\s*</script\s*>"  # a script element loading a file (empty body)
    r"|<style\b(?P<style>[^>]*)>(?P<css>.*?)</style\s*>"
    r"|(?P<footer><footer\b[^>]*>.*?</footer\s*>)"  # GX's newsletter footer
    r"|<(?P<name>[a-zA-Z][\w-]*)\b(?P<attrs>[^>]*)>",
    re.S | re.I,
)
_ATTR = re.compile(r"""\s*([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
_CSS_URL = re.compile(r"""url\(\s*(['"]?)(?P<url>[^'")]*)\1\s*\)""")
_OUTSIDE = re.compile(r"^\s*(?:https?:)?//", re.I)


@dataclass
class OfflineReport:
    """What `make_offline` did: the pages it rewrote, and outside references it knew no stand-in for."""

    pages: int = 0
    dropped: dict[str, list[str]] = field(default_factory=dict)  # page (relative to the build) -> URLs

    def drop(self, page: str, url: str) -> None:
        self.dropped.setdefault(page, []).append(url)


def make_offline(docs: Path) -> OfflineReport:
    """Copy the vendored assets into the Data Docs build `docs` and point every page at them, in place."""
    target = docs / VENDOR_TARGET
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(VENDOR_DIR, target)
    report = OfflineReport()
    for page in sorted(docs.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        dropped = partial(report.drop, page.relative_to(docs).as_posix())
        fixed = localize_page(text, _Locator(docs, page.parent), dropped)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")
        report.pages += 1
    for name, urls in report.dropped.items():
        log.warning("Data Docs page %s: removed references with no offline copy: %s", name, ", ".join(urls))
    return report


@dataclass(frozen=True)
class _Locator:
    """Relative links from one page to the build's vendored files and GX images."""

    docs: Path
    page_dir: Path

    def vendored(self, url: str) -> str | None:
        path = ASSETS.get(url)
        return None if path is None else self._relative(self.docs / VENDOR_TARGET / path)

    def gx_image(self, url: str) -> str | None:
        if not url.startswith(GX_IMAGES):
            return None
        image = self.docs / IMAGES / url[len(GX_IMAGES) :].split("?")[0]
        return self._relative(image) if image.is_file() else None

    def misplaced_static(self, ref: str) -> str | None:
        """A link to the build's static folder that misses it, re-anchored: GX counts one level too few for a
        validation page's favicon."""
        _, found, tail = ref.partition("static/")
        if not found or "//" in ref or (self.page_dir / ref).exists():
            return None
        target = self.docs / "static" / tail
        return self._relative(target) if target.is_file() else None

    def _relative(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.page_dir)).as_posix()


def localize_page(text: str, locator: _Locator, dropped: Callable[[str], None]) -> str:
    """The page with every outside reference replaced by a local file, unlinked, or removed (and reported)."""

    def element(match: re.Match[str]) -> str:
        if match.group("script") is not None:
            return _tag(match.group(0), "script", match.group("script"), locator, dropped)
        if match.group("css") is not None:
            return f"<style{match.group('style')}>{css_offline(match.group('css'), locator, dropped)}</style>"
        if match.group("footer") is not None:
            return ""
        return _tag(match.group(0), match.group("name").lower(), match.group("attrs"), locator, dropped)

    return _ELEMENT.sub(element, text)


def _tag(source: str, name: str, attrs: str, locator: _Locator, dropped: Callable[[str], None]) -> str:
    """One element (its start tag, or a whole empty script) rewritten; "" when it must go."""
    if "//" not in attrs and "static/" not in attrs:
        return source
    pieces: list[str] = []
    changed = False
    for match in _ATTR.finditer(attrs):
        attr, raw = match.group(1), _value(match)
        key = attr.lower()
        value = None if raw is None else html.unescape(raw).strip()
        new: str | None = value  # None with a value before: the attribute goes
        if key in _CDN_ONLY_ATTRS:
            new = None
        elif value is None:
            pass
        elif key == "style":
            new = css_offline(value, locator, dropped)
        elif not _OUTSIDE.match(value):
            new = (locator.misplaced_static(value) if key in ("src", "href") else None) or value
        elif (local := locator.vendored(value) or locator.gx_image(value)) is not None:
            new = local
        elif name == "a" or name not in _FETCHING:
            new = None  # a link out (or a URL no browser fetches) loses its target, its text stays
        else:
            dropped(value)
            return ""
        if key not in _CDN_ONLY_ATTRS and new == value:
            pieces.append(match.group(0))
        else:
            changed = True
            pieces.append("" if new is None else f' {attr}="{html.escape(new)}"')
    if not changed:
        return source
    start = f"<{name}{''.join(pieces)}{' /' if attrs.rstrip().endswith('/') else ''}>"
    return start + "</script>" if source.endswith("</script>") else start


def _value(match: re.Match[str]) -> str | None:
    for group in (2, 3, 4):
        if match.group(group) is not None:
            return str(match.group(group))
    return None


def css_offline(css: str, locator: _Locator, dropped: Callable[[str], None]) -> str:
    """CSS with each outside `url(...)` pointed at a GX image of the build, or `none` when there is none."""

    def fix(match: re.Match[str]) -> str:
        url = match.group("url").strip()
        if not _OUTSIDE.match(url):
            return match.group(0)
        local = locator.gx_image(url)
        if local is not None:
            return f"url('{local}')"
        if not url.startswith(GX_IMAGES):
            dropped(url)
        return "none"

    return _CSS_URL.sub(fix, css)


def outside_references(text: str) -> list[str]:
    """Every URL of a page that points off the machine: in attribute values, and in CSS `url(...)` anywhere."""
    found = []
    for match in _ELEMENT.finditer(text):
        attrs = next((match.group(g) for g in ("script", "style", "attrs") if match.group(g) is not None), "")
        for attr in _ATTR.finditer(attrs):
            value = _value(attr)
            if value is not None and _OUTSIDE.match(html.unescape(value)):
                found.append(html.unescape(value).strip())
    found += [m.group("url") for m in _CSS_URL.finditer(html.unescape(text)) if _OUTSIDE.match(m.group("url"))]
    return found
