-- strata:lint-ignore cascade only the two views of the reporting schema depend on it, checked
DROP FUNCTION reporting.fiscal_quarter(date) CASCADE;
