{#-
    The newest `_loaded_at` an incremental model already holds, or -infinity when it holds nothing.

    On a real run the value is read first and inlined as a literal: the planner then sees how few raw rows are
    newer (and uses the indexes) instead of guessing a third of the table for an unknown parameter. Unit tests
    replace `this` with a fixture, so there the same value comes from a subquery.
-#}
{% macro high_water_mark(column='_loaded_at') -%}
    {%- if execute and model.resource_type != 'unit_test' -%}
        {%- set query -%}
            select coalesce(max({{ column }}), '-infinity'::timestamptz)::text from {{ this }}
        {%- endset -%}
        {%- set value = run_query(query).columns[0].values()[0] -%}
        cast('{{ value }}' as timestamptz)
    {%- else -%}
        (select coalesce(max({{ column }}), '-infinity'::timestamptz) from {{ this }})
    {%- endif -%}
{%- endmacro %}
