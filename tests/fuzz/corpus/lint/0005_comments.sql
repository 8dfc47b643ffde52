/* header; with /* nested; */ comments */
-- line comment; still a comment
SELECT 1; -- trailing; comment
/* between */ SELECT 'a;b', E'it\'s; fine', "odd;name" FROM (VALUES (1)) AS v("odd;name");
-- end; of file
