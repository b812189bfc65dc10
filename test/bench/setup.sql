-- test/bench/setup.sql - one data set of :n connections, for test/bench/run.sh
-- (psql variables: n, the number of connections; key, a hex key for pgcrypto)
\set ON_ERROR_STOP 1
CREATE EXTENSION IF NOT EXISTS connection CASCADE;
SELECT count(connection.create('c' || i, 'STORAGE', 'S3',
         jsonb_build_object('ACCESS_KEY', 'AKIA' || lpad(i::text, 16, '0'),
                            'SECRET_KEY', md5(i::text), 'REGION', 'us-east-1')))
  FROM generate_series(1, :n) AS i;
-- the floor: the same secrets in a plaintext table with a btree index
CREATE TABLE plain_table (name text PRIMARY KEY, secret text);
INSERT INTO plain_table SELECT 'c' || i, md5(i::text) FROM generate_series(1, :n) AS i;
-- the same secrets as pgcrypto ciphertext, default options
CREATE TABLE cipher_table (name text PRIMARY KEY, ct bytea);
INSERT INTO cipher_table
  SELECT 'c' || i, pgp_sym_encrypt_bytea(convert_to(md5(i::text), 'UTF8'), :'key')
    FROM generate_series(1, :n) AS i;
-- the metadata show() returns, as a plain table
CREATE TABLE plain_meta AS
  SELECT name, category, type, enabled, created_time FROM connection.connections;
CREATE INDEX ON plain_meta (name);
VACUUM ANALYZE;
