-- 0013 audit_log, reverted.
SET LOCAL ROLE platform_owner;
DROP TABLE audit.audit_log;
DROP SCHEMA audit;
RESET ROLE;
