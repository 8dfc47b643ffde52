-- RESTRICT (the default) fails if anything still depends on the type.
DROP TYPE order_status;
