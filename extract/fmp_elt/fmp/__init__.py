"""The FMP HTTP client: auth, rate limiting, retries and FMP's error dialect. Knows nothing of the database."""

from fmp_elt.fmp.client import FmpClient, RetryPolicy
from fmp_elt.fmp.ratelimit import RateLimiter

__all__ = ["FmpClient", "RateLimiter", "RetryPolicy"]
