{#-
    Custom schemas are used verbatim (`staging`, `marts`), not prefixed with the target schema, so the
    warehouse always has the same, documented layout whoever runs dbt.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
