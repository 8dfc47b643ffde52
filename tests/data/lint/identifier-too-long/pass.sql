-- 63 bytes is the most PostgreSQL keeps: this name is whole.
CREATE TABLE customer_notification_preference_by_channel_and_locale_override (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    note text DEFAULT 'strings may be as long as they like: customer_notification_preferences_by_channel_and_locale_overrides'
);
/* comments too: customer_notification_preferences_by_channel_and_locale_overrides */
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- a function body is a string: customer_notification_preferences_by_channel_and_locale_overrides
    RETURN NEW;
END
$$;
