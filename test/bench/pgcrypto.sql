\set i random(1, :n)
SELECT pgp_sym_decrypt_bytea(ct, :key) FROM cipher_table WHERE name = 'c' || :i;
