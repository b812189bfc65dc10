-- the floor in a warmed backend (see credentials_warm.sql)
\if :warm = 0
SELECT count(secret) FROM plain_table;
\set warm 1
\endif
\set i random(1, :n)
SELECT secret FROM plain_table WHERE name = 'c' || :i;
