-- 0002 tenant_context, reverted.
SET LOCAL ROLE platform_owner;
DROP FUNCTION strata_tenant.set(uuid);
DROP FUNCTION strata_tenant.current();
DROP FUNCTION strata_tenant.binding();
RESET ROLE;
