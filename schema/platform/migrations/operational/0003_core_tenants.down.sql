-- 0003 core_tenants, reverted (policies, indexes and grants go with their tables).
SET LOCAL ROLE platform_owner;
DROP TABLE core.memberships;
DROP TABLE core.users;
DROP TABLE core.tenants;
DROP SCHEMA core;
RESET ROLE;
