"""fmp-elt: extract Financial Modeling Prep data into PostgreSQL, model it with dbt, measure it with GX."""

__version__ = "0.1.0"
