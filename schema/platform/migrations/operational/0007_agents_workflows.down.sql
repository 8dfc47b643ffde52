-- 0007 agents_workflows, reverted.
SET LOCAL ROLE platform_owner;
DROP TABLE agents.plans;
DROP TABLE agents.workflows;
RESET ROLE;
