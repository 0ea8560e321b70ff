"""Benchmarks for fmp-elt: `python -m bench [--smoke|--quick|--full]` prints one table; see BENCHMARKS.md.

Every figure is measured against its own reference in the same run (the plan's limit, a plain COPY, a full
refresh, a smaller size), so the ratios hold on a shared or busy machine even when absolute times do not.
"""
