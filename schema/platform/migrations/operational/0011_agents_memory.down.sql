-- 0011 agents_memory, reverted.
SET LOCAL ROLE platform_owner;
DROP TABLE agents.memory_items;
RESET ROLE;
