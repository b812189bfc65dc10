-- credentials() in a warmed backend: the first transaction of each client
-- touches every connection once (pgbench -D warm=0), the others are timed
-- (pgbench -r: the lookup statement's own latency)
\if :warm = 0
SELECT count(connection.credentials('c' || i)) FROM generate_series(1, :n) AS i;
\set warm 1
\endif
\set i random(1, :n)
SELECT connection.credentials('c' || :i);
