DELETE FROM users WHERE tenant_id IN (SELECT id FROM tenants WHERE slug IN ('acme', 'globex', 'initech'));
DELETE FROM tenants WHERE slug IN ('acme', 'globex', 'initech');
