-- strata:lint-ignore naming-convention the table mirrors the vendor's export, names as they are
CREATE TABLE "VendorOrders" ("OrderNo" text PRIMARY KEY, "Amount" numeric);
