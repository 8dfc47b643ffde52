-- ünïcödé comment: 日本語; émoji 😀
CREATE TABLE "café" ("naïve" text, ß int);
  INSERT INTO "café" VALUES ('crème brûlée; 🍮', 1);
SELECT 'ü' || "naïve" FROM "café";
