"""The one ticker grammar: what `--symbols`, `FMP_SYMBOLS`, the API's symbol paths and the `symbols` quality
suite accept.

FMP writes tickers upper-case: letters and digits, `.` or `-` for share classes (BF.B, BRK-B), a leading `^`
for an index (^GSPC) and `=` in currency and futures pairs (EURUSD=X); at most 20 characters.
"""

from __future__ import annotations

import re

# `^` only in front, of an index; the same at most 20 characters either way. No lookaround: the pattern runs
# in Python, in PostgreSQL (the quality suite) and in pydantic's Rust regex engine (the API's paths).
PATTERN = r"^(\^[A-Z0-9][A-Z0-9.\-=]{0,18}|[A-Z0-9][A-Z0-9.\-=]{0,19})$"
TICKER = re.compile(PATTERN)
# The same grammar before upper-casing, for inputs people type (the API upper-cases what it receives).
ANY_CASE_PATTERN = PATTERN.replace("A-Z", "A-Za-z")


def is_ticker(text: str) -> bool:
    return TICKER.match(text) is not None
