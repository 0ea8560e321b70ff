{#-
    A history's current versions (valid_to NULL) are exactly the rows of `current`, the mart it keeps the history
    of: every column of the history but its version number, validity and load time, compared both ways.
-#}
{% test current_version_is(model, current) %}

{%- set columns = [] -%}
{%- if execute -%}
    {%- for column in adapter.get_columns_in_relation(model) -%}
        {%- if column.name not in ['version', 'valid_from', 'valid_to', '_loaded_at'] -%}
            {%- do columns.append(column.name) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif -%}
{%- set listed = columns | join(', ') if columns else '1' -%}

(
    select {{ listed }} from {{ current }}
    except all
    select {{ listed }} from {{ model }} where valid_to is null
)
union all
(
    select {{ listed }} from {{ model }} where valid_to is null
    except all
    select {{ listed }} from {{ current }}
)

{% endtest %}
