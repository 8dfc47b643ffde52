DROP DATABASE reporting;
