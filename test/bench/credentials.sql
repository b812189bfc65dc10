\set i random(1, :n)
SELECT connection.credentials('c' || :i);
