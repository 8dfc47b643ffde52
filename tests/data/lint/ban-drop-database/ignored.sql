-- strata:lint-ignore ban-drop-database this track only provisions throwaway CI databases
DROP DATABASE IF EXISTS ci_scratch;
