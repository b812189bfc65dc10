--
-- sts: what role-based connections need before they reach a provider, and
-- presign() (test/t/009_sts.pl runs both against an STS emulator)
--
\set VERBOSITY default
SET ROLE regress_conn_super;

SELECT connection.create('sts_src', 'STORAGE', 'S3',
  '{"ACCESS_KEY": "AKIDEXAMPLE", "SECRET_KEY": "source/secret+key", "REGION": "us-east-1"}');
SELECT connection.create('sts_role', 'STORAGE', 'S3',
  '{"ROLE_ARN": "arn:aws:iam::123456789012:role/reader", "REGION": "us-east-1"}');

-- fails: no source connection at all
SELECT connection.credentials('sts_role');
\echo :LAST_ERROR_SQLSTATE
-- fails: the source named by connection.sts_source_connection must exist
SET connection.sts_source_connection = 'no_such_source';
SELECT connection.credentials('sts_role');
\echo :LAST_ERROR_SQLSTATE
-- fails: ... and hold access keys of the same cloud
SET connection.sts_source_connection = 'oss_keys';
SELECT connection.credentials('sts_role');
\echo :LAST_ERROR_SQLSTATE
-- fails: ... and be enabled
SET connection.sts_source_connection = 'sts_src';
SELECT connection.alter('sts_src', enabled => false);
SELECT connection.credentials('sts_role');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.alter('sts_src', enabled => true);
-- only superusers choose the default source
SET ROLE regress_conn_owner;
SET connection.sts_source_connection = 'sts_src';
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_conn_super;

-- =====================================================================
-- where the server may send requests: connection.allowed_hosts
-- =====================================================================
SHOW connection.allowed_hosts;
-- fails: not on the list, checked when the endpoint is set
SELECT connection.alter('sts_role', set_properties => '{"STS_ENDPOINT": "http://127.0.0.1:1"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.create('s3_private', 'STORAGE', 'S3',
  '{"ACCESS_KEY": "a", "SECRET_KEY": "b", "REGION": "us-east-1", "ENDPOINT": "169.254.169.254"}');
\echo :LAST_ERROR_SQLSTATE
-- fails: only superusers change the list, and it must be a list of hosts
SET ROLE regress_conn_owner;
SET connection.allowed_hosts = '*:*';
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_conn_super;
SET connection.allowed_hosts = 'a b, c';
\echo :LAST_ERROR_SQLSTATE
SET connection.allowed_hosts = 'http://example.com';
\echo :LAST_ERROR_SQLSTATE
-- a host listed by its own address and port
SET connection.allowed_hosts = '127.0.0.1:1';
SELECT connection.alter('sts_role', set_properties => '{"STS_ENDPOINT": "http://127.0.0.1:1"}');
-- fails: nothing listens there (port 1 of the loopback refuses at once)
\set VERBOSITY terse
SELECT connection.credentials('sts_role');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
-- fails: the rule holds again for every request
SET connection.allowed_hosts = '127.0.0.1:2, [::1]:1';
SELECT connection.credentials('sts_role');
\echo :LAST_ERROR_SQLSTATE
-- fails: a host admitted by a wildcard must resolve to a public address
-- (localhost is loopback), so no name in an allowed domain leads inside
SET connection.allowed_hosts = '*:*';
SELECT connection.alter('sts_role', set_properties => '{"STS_ENDPOINT": "http://localhost:1"}');
SELECT connection.credentials('sts_role');
\echo :LAST_ERROR_SQLSTATE
-- ... nor does an IPv4-mapped address, and a number that would be one is
-- no address at all (refused when set)
SELECT connection.alter('sts_role', set_properties => '{"STS_ENDPOINT": "http://[::ffff:127.0.0.1]:1"}');
SELECT connection.credentials('sts_role');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.alter('sts_role', set_properties => '{"STS_ENDPOINT": "http://2130706433:1"}');
SELECT connection.credentials('sts_role');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.alter('sts_role', set_properties => '{"STS_ENDPOINT": "http://[::7f00:1]:1"}');
SELECT connection.credentials('sts_role');
\echo :LAST_ERROR_SQLSTATE
-- fails: what libcurl would read as another host is no host at all
SET connection.allowed_hosts = '*.amazonaws.com:*';
SELECT connection.alter('sts_role', set_properties => '{"STS_ENDPOINT": "http://127.0.0.1:1#.amazonaws.com"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.alter('sts_role', set_properties => '{"STS_ENDPOINT": "http://127.0.0.1:1?.amazonaws.com"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.alter('sts_role', set_properties => '{"STS_ENDPOINT": "http://x@127.0.0.1:1/.amazonaws.com"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.alter('sts_role', set_properties => '{"STS_ENDPOINT": "sts.amazonaws.com:0"}');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.alter('sts_role', set_properties => '{"STS_ENDPOINT": "http://127.0.0.1:1\\\\.amazonaws.com"}');
\echo :LAST_ERROR_SQLSTATE
SET connection.allowed_hosts = '*:*';
SELECT connection.alter('sts_role', set_properties => '{"STS_ENDPOINT": "http://localhost:1"}');
-- listed by name, it may resolve anywhere
SET connection.allowed_hosts = 'localhost:1';
\set VERBOSITY terse
SELECT connection.credentials('sts_role');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
-- fails: libcurl speaks http and https only
SELECT connection.alter('sts_role', set_properties => '{"STS_ENDPOINT": "ftp://127.0.0.1:1"}');
\echo :LAST_ERROR_SQLSTATE
RESET connection.allowed_hosts;
RESET connection.sts_source_connection;

SHOW connection.sts_timeout;
SET connection.sts_timeout = 50;
\echo :LAST_ERROR_SQLSTATE
RESET connection.sts_timeout;

--
-- presign(): URL shapes with access keys (signatures: test/sign, 009_sts.pl)
--
SELECT connection.presign('sts_src', 'get', 'my-bucket/dir/a b.txt')
  ~ ('^https://my-bucket\.s3\.us-east-1\.amazonaws\.com/dir/a%20b\.txt'
     '\?X-Amz-Algorithm=AWS4-HMAC-SHA256'
     '&X-Amz-Credential=AKIDEXAMPLE%2F[0-9]{8}%2Fus-east-1%2Fs3%2Faws4_request'
     '&X-Amz-Date=[0-9]{8}T[0-9]{6}Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host'
     '&X-Amz-Signature=[0-9a-f]{64}$') AS s3_virtual_hosted;
-- a bucket with dots, and a day
SELECT connection.presign('sts_src', 'PUT', '/my.bucket/k', '1 day')
  ~ '^https://s3\.us-east-1\.amazonaws\.com/my\.bucket/k\?.*&X-Amz-Expires=86400&' AS s3_path_style;
SELECT regexp_replace(connection.presign('oss_keys', 'GET', 'bucket/k.txt'),
                      'Expires=[0-9]+&Signature=[A-Za-z0-9%]+$', 'Expires=<time>&Signature=<base64>') AS oss;
SELECT connection.presign('cos_keys', 'HEAD', 'bucket/k.txt', '10 minutes')
  ~ ('^https://bucket-1250000000\.cos\.ap-shanghai\.myqcloud\.com/k\.txt'
     '\?q-sign-algorithm=sha1&q-ak=[^&]+&q-sign-time=([0-9]+)%3B([0-9]+)&q-key-time=\1%3B\2'
     '&q-header-list=host&q-url-param-list=&q-signature=[0-9a-f]{40}$') AS cos;
SELECT connection.presign('cos_keys', 'GET', 'bucket-1250000000/k.txt')
  ~ '^https://bucket-1250000000\.cos\.' AS cos_appid_once;

-- fails: bad arguments
SELECT connection.presign('sts_src', 'POST', 'bucket/k');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.presign('sts_src', 'GET', 'bucket');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.presign('sts_src', 'GET', 'bucket/');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.presign('sts_src', 'GET', 'Bad_Bucket/k');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.presign('sts_src', 'GET', 'bucket/k', '0 seconds');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.presign('sts_src', 'GET', 'bucket/k', '8 days');
\echo :LAST_ERROR_SQLSTATE
SELECT connection.presign('sts_src', 'GET', 'bucket/k', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT connection.presign('sts_src', NULL, 'bucket/k');
\echo :LAST_ERROR_SQLSTATE
-- fails: not object storage
SELECT connection.presign('kafka_sasl', 'GET', 'bucket/k');
\echo :LAST_ERROR_SQLSTATE
-- fails: no such connection
SELECT connection.presign('nowhere', 'GET', 'bucket/k');
\echo :LAST_ERROR_SQLSTATE
-- fails: a role-based connection needs its temporary credentials first
SELECT connection.presign('sts_role', 'GET', 'bucket/k');
\echo :LAST_ERROR_SQLSTATE

-- rights: USAGE, as for credentials()
SET ROLE regress_conn_outsider;
SELECT connection.presign('sts_src', 'GET', 'bucket/k');
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_conn_super;
SELECT connection.grant_usage('sts_src', 'regress_conn_outsider');
SET ROLE regress_conn_outsider;
SELECT connection.presign('sts_src', 'GET', 'bucket/k') LIKE 'https://bucket.s3.%' AS granted;
SET ROLE regress_conn_super;
-- disabled
SELECT connection.alter('sts_src', enabled => false);
SELECT connection.presign('sts_src', 'GET', 'bucket/k');
\echo :LAST_ERROR_SQLSTATE

SELECT connection.drop('sts_role');
SELECT connection.drop('sts_src');
