--
-- types: the registry as connection.types() shows it
--
SELECT category, type, count(*) AS properties
  FROM connection.types()
 GROUP BY category, type
 ORDER BY category, type;

SELECT * FROM connection.types();

-- kinds are exactly plain, identifier and secret
SELECT kind, count(*) FROM connection.types() GROUP BY kind ORDER BY kind;

-- every role-capable type has the STS options and a generated EXTERNAL_ID
SELECT type, string_agg(property, ', ' ORDER BY property) AS role_only
  FROM connection.types()
 WHERE required IN ('optional (role)', 'generated')
 GROUP BY type ORDER BY type;
