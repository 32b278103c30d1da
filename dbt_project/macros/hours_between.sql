{#- Elapsed hours between two timestamps, to the second, as a decimal. -#}
{% macro hours_between(start_column, end_column) -%}
  round({{ dbt.datediff(start_column, end_column, 'second') }} / 3600.0, 2)
{%- endmacro %}
