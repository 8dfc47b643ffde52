CREATE TABLE customer_notification_preferences_by_channel_and_locale_overrides (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    "date_the_customer_last_confirmed_the_notification_preferences_shown" date
);
