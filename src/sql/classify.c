/* placeholder */
typedef int strata_classify_placeholder;
