SELECT name, category, type, enabled, created_time FROM plain_meta ORDER BY name;
