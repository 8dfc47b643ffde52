-- strata:requires=operational/0002
CREATE SCHEMA analytics;
CREATE MATERIALIZED VIEW analytics.signups_per_day AS
SELECT tenant_id, date_trunc('day', created_at) AS day, count(*) AS signups
FROM public.users GROUP BY 1, 2;
CREATE UNIQUE INDEX ON analytics.signups_per_day (tenant_id, day);
