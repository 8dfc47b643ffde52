-- strata:lock-timeout=5s
CREATE TABLE bookings (room_id bigint NOT NULL, during tstzrange NOT NULL,
    CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room_id WITH =, during WITH &&));
