-- 0009 agents_runs, reverted (the triggers go with their tables).
SET LOCAL ROLE platform_owner;
DROP TABLE agents.tool_calls;
DROP TABLE agents.agent_runs;
DROP FUNCTION agents.enforce_state_machine();
RESET ROLE;
