"""fmp-elt: extract Financial Modeling Prep data into PostgreSQL, model it with dbt, measure it with GX."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("fmp-elt")  # from the git tag the package was built at (pyproject: hatch-vcs)
except PackageNotFoundError:  # a checkout on the path without an install
    __version__ = "0.0.0"
