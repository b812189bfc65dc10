-- STS: a role-based connection holds no secret.  Its credentials() assumes
-- the role through the provider's STS, signed with the keys of a source
-- connection.  Here test/sts/emulator.py stands in for AWS STS and S3 (this
-- machine has no route to them); it checks every signature itself.
\getenv emu STS_EMULATOR
\getenv emuhost STS_EMULATOR_HOST

-- The server sends requests only to hosts connection.allowed_hosts admits:
-- by default the clouds' own domains.  A superuser adds the emulator.
SHOW connection.allowed_hosts;
\set ON_ERROR_STOP 0
SELECT connection.create('lake_keys', 'STORAGE', 'S3',
    json_build_object('ACCESS_KEY', 'AKIADEMOSOURCE', 'SECRET_KEY', 'demo/source/secret',
                      'REGION', 'us-east-1', 'ENDPOINT', :'emu')::jsonb);
\set ON_ERROR_STOP 1
SELECT set_config('connection.allowed_hosts',
                  current_setting('connection.allowed_hosts') || ', ' || :'emuhost', false);
SELECT connection.create('lake_keys', 'STORAGE', 'S3',
    json_build_object('ACCESS_KEY', 'AKIADEMOSOURCE', 'SECRET_KEY', 'demo/source/secret',
                      'REGION', 'us-east-1', 'ENDPOINT', :'emu')::jsonb);
SELECT connection.create('partner_bucket', 'STORAGE', 'S3',
    json_build_object('ROLE_ARN', 'arn:aws:iam::210987654321:role/lake-reader',
                      'REGION', 'us-east-1', 'ENDPOINT', :'emu', 'STS_ENDPOINT', :'emu',
                      'SOURCE_CONNECTION', 'lake_keys')::jsonb);
SELECT * FROM connection.desc('partner_bucket');

-- Until the role trusts this connection's EXTERNAL_ID, STS says no.
\set ON_ERROR_STOP 0
SELECT connection.credentials('partner_bucket');
\set ON_ERROR_STOP 1
-- validate() reports it as a row, in the provider's words (a role with
-- USAGE may run it; it never shows a secret; a refusal by a trust policy
-- also prints the condition to add)
SELECT check_name, ok, detail FROM connection.validate('partner_bucket');

-- The partner puts the EXTERNAL_ID in the role's trust policy ...
SELECT info_value AS external_id FROM connection.desc('partner_bucket')
 WHERE info_name = 'EXTERNAL_ID' \gset
\setenv EXTERNAL_ID :external_id
\! python3 "$STS_EMULATOR_PY" trust "$STS_EMULATOR" arn:aws:iam::210987654321:role/lake-reader "$EXTERNAL_ID"

-- ... validate() now passes ...
SELECT check_name, ok FROM connection.validate('partner_bucket');

-- ... and credentials() returns temporary credentials (secrets cut
-- short here), cached in this backend until shortly before they expire.
SELECT key, CASE WHEN key IN ('SECRET', 'SECRET_KEY', 'SECURITY_TOKEN')
                 THEN left(value, 6) || '...' ELSE value END AS value
  FROM jsonb_each_text(connection.credentials('partner_bucket')) ORDER BY key;

-- A presigned URL for one object, signed with those credentials; the
-- object store accepts it.
SELECT connection.presign('partner_bucket', 'GET', 'partner-data/2026/part-0.parquet', '10 minutes') AS url \gset
\echo :url
\setenv URL :url
\! python3 "$STS_EMULATOR_PY" fetch "$URL"

-- The server itself works with those credentials, and nobody sees a key:
-- a query's rows exported to an object (in parts for a large one), listed,
-- and imported back with COPY and a connection:// URI (USAGE is the right).
CREATE TABLE demo_orders AS
  SELECT g AS id, 'order ' || g AS label, now() AS placed FROM generate_series(1, 1000) AS g;
SELECT * FROM connection.export_query('partner_bucket', 'partner-data/orders.csv',
                                      'SELECT * FROM demo_orders', 'format csv, header');
SELECT key, size FROM connection.list_objects('partner_bucket', 'partner-data/');
CREATE TABLE demo_orders_back (LIKE demo_orders);
COPY demo_orders_back FROM 'connection://partner_bucket/partner-data/orders.csv' WITH (FORMAT csv, HEADER);
SELECT count(*) AS rows_back FROM demo_orders_back;

-- Whose keys are these?  validate() asks the cloud's STS (GetCallerIdentity,
-- signed with them; here the emulator, named by STS_ENDPOINT because this
-- ENDPOINT is not Amazon's), and with a bucket also lists one object.
SELECT connection.alter('lake_keys', set_properties => jsonb_build_object('STS_ENDPOINT', :'emu'));
SELECT check_name, ok, detail FROM connection.validate('lake_keys', 'partner-data/orders');
