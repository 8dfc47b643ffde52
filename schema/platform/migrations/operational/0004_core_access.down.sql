-- 0004 core_access, reverted.
SET LOCAL ROLE platform_owner;
DROP TRIGGER tenants_builtin_roles ON core.tenants;
DROP FUNCTION core.create_builtin_roles();
DROP TABLE core.rbac_bindings;
DROP TABLE core.rbac_roles;
DROP TABLE core.api_keys;
RESET ROLE;
