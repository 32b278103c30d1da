{#- True when the whole value matches the pattern (not just a substring). -#}
{% macro regex_full_match(column, pattern) -%}
  {{ return(adapter.dispatch('regex_full_match', 'greenery')(column, pattern)) }}
{%- endmacro %}

{% macro default__regex_full_match(column, pattern) -%}
  regexp_full_match({{ column }}, '{{ pattern }}')
{%- endmacro %}

{% macro snowflake__regex_full_match(column, pattern) -%}
  regexp_like({{ column }}, '{{ pattern }}')
{%- endmacro %}
