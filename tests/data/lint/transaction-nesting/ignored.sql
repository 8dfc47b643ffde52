-- strata:lint-ignore transaction-nesting closes the transaction the deploy script opened
COMMIT;
