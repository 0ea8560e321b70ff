"""Data quality with Great Expectations: suites defined in code, one checkpoint, metrics in `etl.data_quality`.

- `suites`: the datasets and the rules each promises (the suites, in code);
- `rules`: a rule as a GX expectation and as the SQL predicate the metrics count with;
- `metrics`: the DataQualityMetrics of `etl.data_quality` and their definitions;
- `freshness`: against the trading calendar;
- `checkpoint` and `gx_project`: the committed file context in `expectations/gx/`, the run, Data Docs;
- `validate.run_validation`: what `fmp-elt quality` and the `quality` job call.

Importing this package does not import Great Expectations (that takes seconds); running a validation does.
"""

from __future__ import annotations

from fmp_elt.quality.report import DatasetReport, ExpectationOutcome, ValidationReport
from fmp_elt.quality.suites import DATASETS
from fmp_elt.quality.validate import default_docs_dir, run_validation

__all__ = [
    "DATASETS",
    "DatasetReport",
    "ExpectationOutcome",
    "ValidationReport",
    "default_docs_dir",
    "run_validation",
]
