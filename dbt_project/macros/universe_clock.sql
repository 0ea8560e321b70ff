{#-
    A post-hook of securities: `marts.universe_as_of(as_of date)`, the screened exchange's listed securities on
    `as_of`, one row each, with the ticker they traded under that day (marts.symbol_securities).

    From the warehouse's first screener snapshot on, the listing and its attributes (exchange, sector, industry,
    ETF and fund flags) are the snapshot's that held on `as_of` (marts.symbol_history): `attributes_from` is
    'snapshot'. Before it, the universe is rebuilt from what the backfill holds: every security with prices on
    or before `as_of` and not delisted or gone quiet before it (its last trading day), the delisted companies
    included, with the attributes known now (`attributes_from` 'latest'); the function raises a NOTICE saying
    so. `known_since` is the first snapshot's day in both cases. marts.symbols is read by name, not ref(): the
    function reads it when called, and a ref would make securities rejoin the models symbols reads. Read prices by `security_id`
    (marts.security_daily_prices), never by ticker: a reused ticker means another company on another date.
-#}
{% macro universe_clock_function() -%}
    {%- set function = this.schema ~ '.universe_as_of' -%}
    create or replace function {{ function }}(as_of date)
    returns table (
        security_id text, symbol text, company_name text, exchange_short_name text, sector text, industry text,
        is_etf boolean, is_fund boolean, delisted_date date, attributes_from text, known_since date
    )
    language plpgsql
    stable
    as $fn$
    declare
        first_snapshot date;
    begin
        select min(history.valid_from at time zone 'UTC')::date into first_snapshot
        from {{ ref('symbol_history') }} as history;
        if first_snapshot is null or as_of < first_snapshot then
            raise notice 'universe_as_of(%): before the first screener snapshot (%): rebuilt from the prices held and FMP''s delistings, with the attributes known now', as_of, coalesce(first_snapshot::text, 'none yet');
            return query
                select
                    securities.security_id, coalesce(periods.symbol, securities.current_symbol),
                    coalesce(described.company_name, securities.company_name), described.exchange_short_name,
                    described.sector, described.industry, described.is_etf, described.is_fund,
                    securities.delisted_date, 'latest'::text, first_snapshot
                from {{ this }} as securities
                left join {{ ref('symbol_securities') }} as periods
                    on periods.security_id = securities.security_id
                    and as_of >= periods.valid_from and as_of < periods.valid_to
                left join lateral (
                    select symbols.* from {{ this.schema }}.symbols as symbols
                    where symbols.security_id = securities.security_id
                    order by symbols.is_listed desc, symbols.last_seen_at desc
                    limit 1
                ) as described on true
                where securities.first_trading_day <= as_of
                    and as_of <= coalesce(securities.delisted_date, securities.last_trading_day)
                order by 1;
        else
            return query
                select
                    coalesce(periods.security_id, history.symbol), history.symbol, history.company_name,
                    history.exchange_short_name, history.sector, history.industry, history.is_etf,
                    history.is_fund, securities.delisted_date, 'snapshot'::text, first_snapshot
                from {{ ref('symbol_history') }} as history
                left join {{ ref('symbol_securities') }} as periods
                    on periods.symbol = history.symbol
                    and as_of >= periods.valid_from and as_of < periods.valid_to
                left join {{ this }} as securities
                    on securities.security_id = coalesce(periods.security_id, history.symbol)
                where (history.valid_from at time zone 'UTC')::date <= as_of
                    and (history.valid_to is null or (history.valid_to at time zone 'UTC')::date > as_of)
                order by 1;
        end if;
    end
    $fn$;
    comment on function {{ function }}(date) is
        'The screened exchange''s listed securities on as_of, with the ticker and attributes they had then.';
{%- endmacro %}
