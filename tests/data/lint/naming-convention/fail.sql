CREATE TABLE "UserAccounts" (
    id bigint GENERATED ALWAYS AS IDENTITY,
    "displayName" text,
    CONSTRAINT "UserAccounts_pkey" PRIMARY KEY (id)
);
CREATE INDEX "UserAccounts_displayName" ON "UserAccounts" ("displayName");
ALTER TABLE "UserAccounts" ADD COLUMN "Email" text;
ALTER TABLE "UserAccounts" RENAME COLUMN "displayName" TO "DisplayName";
