{#- The business unit a mart belongs to: the folder under models/marts/ it sits in, or
    none for any other node. -#}
{% macro business_unit(node) -%}
  {%- if node.resource_type != 'model' or node.fqn[1] != 'marts' -%}
    {{ return(none) }}
  {%- endif -%}
  {%- if node.fqn | length < 4 -%}
    {{ exceptions.raise_compiler_error(
        "Mart " ~ node.name ~ " sits directly in models/marts/: put it in the folder of"
        ~ " its business unit, models/marts/<unit>/, which names its schema."
    ) }}
  {%- endif -%}
  {{ return(node.fqn[2]) }}
{%- endmacro %}
