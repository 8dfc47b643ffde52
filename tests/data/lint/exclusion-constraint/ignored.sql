-- strata:lock-timeout=5s
-- strata:lint-ignore exclusion-constraint bookings is empty until the feature launches
ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room_id WITH =, during WITH &&);
