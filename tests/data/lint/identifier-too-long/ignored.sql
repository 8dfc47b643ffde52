-- strata:lint-ignore identifier-too-long the truncated name is the one the application already uses
CREATE TABLE customer_notification_preferences_by_channel_and_locale_overrides (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
