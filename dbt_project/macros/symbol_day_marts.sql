{#-
    The config of a mart with one row per (symbol, price_date), merged incrementally: daily_prices, daily_ma.
    The key's unique index is the primary key's, which the contract (_marts__models.yml) creates with the table;
    `_loaded_at` is indexed for the incremental reads of the marts downstream. `extra` adds to it (a post_hook).
-#}
{% macro symbol_day_incremental_config(extra={}) %}
    {{ config(
        materialized='contracted_incremental',
        incremental_strategy='merge',
        unique_key=['symbol', 'price_date'],
        on_schema_change='fail',
        indexes=[{'columns': ['_loaded_at']}],
        **extra
    ) }}
{% endmacro %}
