--
-- show: listing, order, patterns; the view
--
\set VERBOSITY default
SET ROLE regress_conn_super;

SELECT * FROM connection.show() LIMIT 0;
SELECT name, category, type, enabled FROM connection.show();

-- created_time is the UTC wall clock as the original prints it, always
-- with three digits of milliseconds: the same instant as the view's
SELECT bool_and(s.created_time = to_char(c.created_time AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')) AS utc
  FROM connection.show() s JOIN connection.connections c USING (name);
SET TimeZone = 'Asia/Shanghai';
SELECT bool_and(s.created_time = to_char(c.created_time AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')) AS utc_whatever_timezone
  FROM connection.show() s JOIN connection.connections c USING (name);
RESET TimeZone;
SELECT pg_typeof(created_time) FROM connection.show() LIMIT 1;
SELECT bool_and(created_time ~ '^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$') AS three_digits
  FROM connection.show();
-- trailing zeros are kept (the catalog written here as a restore would)
BEGIN;
UPDATE connection.pg_connection SET created_time = '2025-03-20 14:22:10.72+00' WHERE name = 'kafka_plain';
SELECT name, created_time FROM connection.show('kafka_plain');
UPDATE connection.pg_connection SET created_time = '2025-03-20 14:22:10+00' WHERE name = 'kafka_plain';
SELECT name, created_time FROM connection.show('kafka_plain');
ROLLBACK;

-- patterns are case-insensitive LIKE patterns
SELECT name FROM connection.show('oss%');
SELECT name FROM connection.show('OSS%');
SELECT name FROM connection.show('%\_keys');
SELECT name FROM connection.show('kafka_____');
SELECT name FROM connection.show('nothing%');
SELECT count(*) FROM connection.show(NULL);

-- disabled connections are listed as such
SELECT connection.alter('kafka_plain', enabled => false);
SELECT name, enabled FROM connection.show('kafka%');
SELECT connection.alter('kafka_plain', enabled => true);

-- the view: metadata only
SELECT attname, format_type(atttypid, atttypmod)
  FROM pg_attribute
 WHERE attrelid = 'connection.connections'::regclass AND attnum > 0
 ORDER BY attnum;
SELECT name, category, type, enabled, owner, creator, comment
  FROM connection.connections ORDER BY name;

-- every role may list; no role but superusers may read the catalog
SET ROLE regress_conn_outsider;
SELECT count(*) > 0 AS outsider_sees_list FROM connection.show();
SELECT count(*) > 0 AS outsider_sees_view FROM connection.connections;
-- fails: the catalog table is not readable
SELECT * FROM connection.pg_connection;
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_conn_super;

-- show() reads the name index alone where the visibility map allows (the
-- index holds its columns): the same listing once the table is vacuumed,
-- and a change made since is seen (its page is no longer all visible)
CREATE TEMP TABLE show_before AS SELECT * FROM connection.show();
VACUUM connection.pg_connection;
SELECT count(*) AS differences
  FROM ((TABLE show_before EXCEPT ALL SELECT * FROM connection.show())
        UNION ALL (SELECT * FROM connection.show() EXCEPT ALL TABLE show_before)) AS d;
SELECT connection.alter('kafka_plain', enabled => false);
SELECT name, enabled FROM connection.show('kafka%');
SELECT count(*) AS rows_of_kafka_plain FROM connection.show('kafka_plain');
SELECT connection.alter('kafka_plain', enabled => true);
VACUUM connection.pg_connection;
SELECT name, enabled FROM connection.show('kafka%');
-- the index's columns
SELECT pg_get_indexdef('connection.pg_connection_name_index'::regclass);
DROP TABLE show_before;
