{#-
    Typed reads of one key of an FMP record landed as jsonb.

    FMP sends numbers as JSON numbers, the bulk CSV endpoints send every value as a string, and schema drift
    brings strings, nulls, missing keys and junk ("N/A", ""). Each macro returns the typed value or NULL and
    never raises, so one bad record cannot fail a build; tests and quality checks report the NULLs instead.
-#}

{#- A decimal number as text: optional sign, digits with an optional fraction, an optional short exponent. -#}
{% macro number_pattern() -%}
    '^\s*[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]{1,3})?\s*$'
{%- endmacro %}

{% macro json_numeric(key, payload='payload') -%}
    case jsonb_typeof({{ payload }} -> '{{ key }}')
        when 'number' then cast({{ payload }} -> '{{ key }}' as numeric)
        when 'string' then case
            when {{ payload }} ->> '{{ key }}' ~ {{ number_pattern() }}
                then cast({{ payload }} ->> '{{ key }}' as numeric)
        end
    end
{%- endmacro %}

{#- Whole numbers (volumes, years): rounded, and NULL when outside bigint. -#}
{% macro json_bigint(key, payload='payload') -%}
    cast(case
        when abs({{ json_numeric(key, payload) }}) < 9e18
            then round({{ json_numeric(key, payload) }})
    end as bigint)
{%- endmacro %}

{% macro json_integer(key, payload='payload') -%}
    cast(case
        when abs({{ json_numeric(key, payload) }}) < 2e9
            then round({{ json_numeric(key, payload) }})
    end as integer)
{%- endmacro %}

{#- Trimmed text; empty strings and the usual placeholders become NULL. -#}
{% macro json_text(key, payload='payload') -%}
    cast(nullif(nullif(nullif(trim({{ payload }} ->> '{{ key }}'), ''), 'N/A'), 'NULL') as text)
{%- endmacro %}

{% macro json_boolean(key, payload='payload') -%}
    cast(case lower(trim({{ payload }} ->> '{{ key }}'))
        when 'true' then true
        when 't' then true
        when '1' then true
        when 'false' then false
        when 'f' then false
        when '0' then false
    end as boolean)
{%- endmacro %}
