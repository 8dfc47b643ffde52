-- strata:lint-ignore enum-add-value-in-transaction this track runs on PostgreSQL 16 since March
ALTER TYPE order_status ADD VALUE 'refunded';
