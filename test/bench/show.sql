SELECT * FROM connection.show();
