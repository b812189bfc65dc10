--
-- drop: owner checks, missing names, re-creation
--
\set VERBOSITY default
SET ROLE regress_conn_super;

SELECT connection.create('to_drop', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
SELECT connection.drop('TO_DROP');
SELECT count(*) FROM connection.show('to_drop');

-- fails: no such connection; skipped with if_exists
SELECT connection.drop('to_drop');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.drop('to_drop', if_exists => true);

-- fails: only the owner (or a member, or a superuser) drops
SET ROLE regress_conn_outsider;
SELECT connection.drop('kafka_plain');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.drop('kafka_plain', if_exists => true);
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_conn_super;
SET ROLE regress_conn_owner;
SELECT connection.create('owner_drops', 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}');
SELECT connection.drop('owner_drops');
SET ROLE regress_conn_super;

-- a dropped and re-created name is a new connection
SELECT connection.create('again', 'STORAGE', 'S3',
  '{"ACCESS_KEY": "AKIAFIRST00000000000", "SECRET_KEY": "first", "REGION": "us-east-1"}');
SELECT id AS first_id FROM connection.pg_connection WHERE name = 'again' \gset
SELECT connection.drop('again');
SELECT connection.create('again', 'STORAGE', 'S3',
  '{"ACCESS_KEY": "AKIASECOND0000000000", "SECRET_KEY": "second", "REGION": "us-east-1"}');
SELECT id <> :first_id AS new_id FROM connection.pg_connection WHERE name = 'again';
SELECT connection.property('again', 'SECRET_KEY');

-- drop inside a rolled-back transaction
BEGIN;
SELECT connection.drop('again');
SELECT count(*) FROM connection.show('again');
ROLLBACK;
SELECT count(*) FROM connection.show('again');
SELECT connection.drop('again');

-- bulk: 10,000 creates and drops in one transaction (past 1,000 names the
-- name locks give way to one table lock, so the lock table does not fill)
SELECT count(connection.create('bulk_' || i, 'STORAGE', 'KAFKA', '{"BOOTSTRAP_SERVERS": "k:1"}'))
  FROM generate_series(1, 10000) AS i;
SELECT count(*) FROM connection.show('bulk\_%');
SELECT count(connection.drop('bulk_' || i)) FROM generate_series(1, 10000) AS i;
SELECT count(*) FROM connection.show('bulk\_%');
