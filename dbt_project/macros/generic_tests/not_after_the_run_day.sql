{#- Rows stamped after the end of the --as-of day: data from the future means a
    clock or an export is wrong. -#}
{% test not_after_the_run_day(model, column_name) %}

select {{ column_name }} as timestamp_after_the_run_day
from {{ model }}
where {{ column_name }} >= {{ as_of_end() }}

{% endtest %}
