"""The Data Docs a validation run publishes, and the site's copy of them, load nothing from outside."""

from __future__ import annotations

from pathlib import Path

from fmp_elt.job_config import load_jobs
from fmp_elt.quality import DATASETS
from fmp_elt.quality.offline_docs import ASSETS, VENDOR_DIR
from fmp_elt.serve.static_site import build_site
from tests.fixtures.data_docs import assert_loads_only_files_of, build_docs, fetched


def test_published_data_docs_and_their_site_copy_hold_no_outside_url_and_no_tracking_image(
    database_url: str, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    report = build_docs(database_url, docs)
    site = build_site(database_url, tmp_path / "site", load_jobs(), quality_docs=docs)

    for root in (docs, tmp_path / "site" / "quality"):
        pages = sorted(root.rglob("*.html"))
        # the index, one page per suite, one per validated dataset
        assert len(pages) == 1 + 2 * len(DATASETS)
        for page in pages:
            assert_loads_only_files_of(page, root)
        validation = root / report.dataset("daily_prices").metadata["docs_page"]
        vendored = {ref.split("static/vendor/")[1] for ref in fetched(validation) if "static/vendor/" in ref}
        assert vendored == set(ASSETS.values()) - {"bootstrap-table-1.19.0/bootstrap-table-filter-control.min.css"}
        copied = sorted(p.relative_to(root / "static" / "vendor") for p in (root / "static" / "vendor").rglob("*"))
        assert copied == sorted(p.relative_to(VENDOR_DIR) for p in VENDOR_DIR.rglob("*"))
    assert site.sections["quality"] == tmp_path / "site" / "quality" / "index.html"
