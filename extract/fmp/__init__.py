"""The FMP HTTP client: auth, rate limiting, retries and FMP's error dialect. Knows nothing of the database."""

from extract.fmp.client import FmpClient, RetryPolicy
from extract.fmp.ratelimit import RateLimiter

__all__ = ["FmpClient", "RateLimiter", "RetryPolicy"]
