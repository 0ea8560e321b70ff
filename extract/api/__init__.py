"""The status/logs API, the dashboard and the read-side queries behind them."""
