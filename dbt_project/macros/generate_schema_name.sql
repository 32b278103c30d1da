{#- A mart is built into the audit schema of its business unit, the folder it sits in
    (models/marts/<unit>/ -> audit_<unit>); the flow publishes it to <unit> once every
    check passed (flows/warehouse/). Any other node with a custom schema lands in
    that schema as named, not in dbt's default <target schema>_<custom schema>. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
  {%- set unit = business_unit(node) -%}
  {%- if unit -%}
    audit_{{ unit }}
  {%- elif custom_schema_name is none -%}
    {{ target.schema }}
  {%- else -%}
    {{ custom_schema_name | trim }}
  {%- endif -%}
{%- endmacro %}
