-- 0008 agents_conversations, reverted.
SET LOCAL ROLE platform_owner;
DROP TABLE agents.conversations;
RESET ROLE;
