-- 0012 core_budgets, reverted.
SET LOCAL ROLE platform_owner;
DROP TABLE core.budgets;
RESET ROLE;
