-- 0010 agents_messages, reverted.
SET LOCAL ROLE platform_owner;
DROP TABLE agents.messages;
RESET ROLE;
