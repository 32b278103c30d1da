{#- The id a page URL ends in, /<id>, or null when the URL has no such part. -#}
{% macro url_last_segment(column) -%}
  {{ return(adapter.dispatch('url_last_segment', 'greenery')(column)) }}
{%- endmacro %}

{% macro default__url_last_segment(column) -%}
  nullif(regexp_extract({{ column }}, '/([^/]+)$', 1), '')
{%- endmacro %}

{% macro snowflake__url_last_segment(column) -%}
  regexp_substr({{ column }}, '/([^/]+)$', 1, 1, 'e', 1)
{%- endmacro %}
