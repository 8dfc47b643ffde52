-- 0005 core_model_registry, reverted.
SET LOCAL ROLE platform_owner;
DROP TABLE core.model_registry;
RESET ROLE;
