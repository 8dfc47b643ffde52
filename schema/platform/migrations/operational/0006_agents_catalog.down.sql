-- 0006 agents_catalog, reverted.
SET LOCAL ROLE platform_owner;
DROP TABLE agents.agent_tools;
DROP TABLE agents.tools;
DROP TABLE agents.agents;
DROP SCHEMA agents;
RESET ROLE;
