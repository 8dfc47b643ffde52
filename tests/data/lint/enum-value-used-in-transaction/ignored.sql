-- strata:lock-timeout=5s
-- strata:lint-ignore enum-value-used-in-transaction order_events.kind is text: its 'refunded' is not the enum's
ALTER TYPE order_status ADD VALUE 'refunded';
INSERT INTO order_events (kind) VALUES ('refunded');
