{#-
    Fails with the rows for which the SQL boolean `expression` is false. A NULL result passes: the expression
    states a rule between values that are present (use not_null for presence).
-#}
{% test expression_is_true(model, expression) %}

select *
from {{ model }}
where not ({{ expression }})

{% endtest %}
