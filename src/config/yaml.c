/* placeholder */
typedef int strata_yaml_placeholder;
