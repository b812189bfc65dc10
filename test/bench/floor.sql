\set i random(1, :n)
SELECT secret FROM plain_table WHERE name = 'c' || :i;
