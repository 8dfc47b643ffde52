INSERT INTO tenants (slug) VALUES ('acme'), ('globex'), ('initech');
INSERT INTO users (tenant_id, email)
SELECT t.id, 'user' || g || '@' || t.slug || '.example'
FROM tenants t CROSS JOIN generate_series(1, 100) g;
