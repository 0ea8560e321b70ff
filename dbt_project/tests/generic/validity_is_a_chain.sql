{#-
    Fails with each version whose validity does not end exactly where the next version of its key begins:
    an overlap, a gap, a second current version (valid_to NULL before the last) or a closed last version,
    and any version that ends before it begins. Passing means every key has one unbroken chain of versions
    and exactly one current one.
-#}
{% test validity_is_a_chain(model, key_columns, valid_from='valid_from', valid_to='valid_to') %}

with

chained as (

    select
        {{ key_columns | join(', ') }},
        {{ valid_from }} as valid_from,
        {{ valid_to }} as valid_to,
        lead({{ valid_from }}) over (
            partition by {{ key_columns | join(', ') }} order by {{ valid_from }}
        ) as next_valid_from
    from {{ model }}

)

select *
from chained
where valid_to is distinct from next_valid_from
    or valid_to <= valid_from

{% endtest %}
