-- Add the new spelling; the code moves to it, the old value stays unused.
ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'cancelled';
-- A type created in the same run is new: no running code uses its values yet.
CREATE TYPE refund_reason AS ENUM ('damaged', 'late', 'mispelled');
ALTER TYPE refund_reason RENAME VALUE 'mispelled' TO 'misspelled';
