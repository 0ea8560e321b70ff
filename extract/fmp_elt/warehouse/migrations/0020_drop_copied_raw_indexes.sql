-- Migration 0006 made the corporate-action tables `like raw.fmp_symbols including all`, which copied
-- fmp_symbols' indexes too: a second BRIN on `_loaded_at` and a (symbol, _endpoint) version index no query of
-- these tables uses. Each landing row paid for both. The tables keep the indexes their declarations give
-- (tests/integration/test_declared_tables.py compares them).
drop index raw.fmp_splits__loaded_at_idx;
drop index raw.fmp_splits_coalesce__endpoint__loaded_at__seq_idx;
drop index raw.fmp_dividends__loaded_at_idx;
drop index raw.fmp_dividends_coalesce__endpoint__loaded_at__seq_idx;
drop index raw.fmp_prices_unadjusted__loaded_at_idx;
drop index raw.fmp_prices_unadjusted_coalesce__endpoint__loaded_at__seq_idx;
