SELECT connection.credentials('sts_role');
