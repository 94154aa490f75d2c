{#- IPv4 addresses and networks as integers, for range joins against IP-to-geo networks, and the
    one-way hash that replaces a sender IP outside raw. Written in plain string functions: the
    DuckDB `inet` extension may not be installable offline. Anything that is not a well-formed
    IPv4 address or CIDR network becomes null, never an error. -#}

{#- a.b.c.d -> a*2^24 + b*2^16 + c*2^8 + d; octets 0-255 without leading zeros (010 is ambiguous). -#}
{% macro ipv4_to_integer(address) -%}
    {{ return(adapter.dispatch('ipv4_to_integer', 'usage_platform')(address)) }}
{%- endmacro %}

{% macro default__ipv4_to_integer(address) -%}
    case
        when regexp_full_match(
            trim({{ address }}),
            '((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])[.]){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])'
        )
        then try_cast(split_part(trim({{ address }}), '.', 1) as bigint) * 16777216
            + try_cast(split_part(trim({{ address }}), '.', 2) as bigint) * 65536
            + try_cast(split_part(trim({{ address }}), '.', 3) as bigint) * 256
            + try_cast(split_part(trim({{ address }}), '.', 4) as bigint)
    end
{%- endmacro %}

{#- The prefix length of a CIDR network ('a.b.c.d/n' -> n, 0-32). -#}
{% macro ipv4_prefix_length(network) -%}
    {{ return(adapter.dispatch('ipv4_prefix_length', 'usage_platform')(network)) }}
{%- endmacro %}

{% macro default__ipv4_prefix_length(network) -%}
    case
        when regexp_full_match(split_part(trim({{ network }}), '/', 2), '[0-9]|[12][0-9]|3[0-2]')
        then try_cast(split_part(trim({{ network }}), '/', 2) as integer)
    end
{%- endmacro %}

{#- How many addresses a CIDR network holds (2^(32 - prefix)). -#}
{% macro ipv4_network_size(network) -%}
    cast(power(2, 32 - {{ ipv4_prefix_length(network) }}) as bigint)
{%- endmacro %}

{#- First address of a CIDR network as an integer; host bits are cleared, so '10.1.2.3/16' starts at
    10.1.0.0 as the network it names. Null when the address or the prefix is malformed. -#}
{% macro ipv4_network_first_integer(network) -%}
    (
        {{ ipv4_to_integer("split_part(" ~ network ~ ", '/', 1)") }}
        - {{ ipv4_to_integer("split_part(" ~ network ~ ", '/', 1)") }} % {{ ipv4_network_size(network) }}
    )
{%- endmacro %}

{#- Last address of a CIDR network as an integer. -#}
{% macro ipv4_network_last_integer(network) -%}
    ({{ ipv4_network_first_integer(network) }} + {{ ipv4_network_size(network) }} - 1)
{%- endmacro %}

{#- sha256 of the trimmed address. An optional salt (USAGE_PLATFORM_IP_HASH_SALT) is appended:
    an unsalted hash of an IPv4 address can be reversed by hashing all 2^32 addresses, so set
    the salt in production; without it the hash equals sha256(address). -#}
{% macro hash_ip_address(address) -%}
    {{ return(adapter.dispatch('hash_ip_address', 'usage_platform')(address)) }}
{%- endmacro %}

{% macro default__hash_ip_address(address) -%}
    sha256(nullif(trim({{ address }}), '') || '{{ env_var("USAGE_PLATFORM_IP_HASH_SALT", "") | replace("'", "''") }}')
{%- endmacro %}
