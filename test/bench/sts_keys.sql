SELECT connection.credentials('sts_src');
