{#- Rows whose URL does not match `pattern` as a whole (a regular expression).
    With `ends_with_column`, the URL must also end in "/<that column's value>",
    so a product page's URL names the row's own product. -#}
{% test url_matches_pattern(model, column_name, pattern, ends_with_column=none) %}

select
    {{ column_name }} as failing_url
    {%- if ends_with_column %},
    {{ ends_with_column }} as expected_id
    {%- endif %}
from {{ model }}
where
    {{ column_name }} is not null
    and (
        not {{ greenery.regex_full_match(column_name, pattern) }}
        {%- if ends_with_column %}
        or {{ ends_with_column }} is null
        or {{ column_name }} not like '%/' || {{ ends_with_column }}
        {%- endif %}
    )

{% endtest %}
