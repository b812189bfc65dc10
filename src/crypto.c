/*-------------------------------------------------------------------------
 *
 * crypto.c
 *	  Master keys, key fingerprints, and the pgcrypto calls that encrypt
 *	  and decrypt the identifier and secret properties of a connection.
 *
 * Keys.  connection.key_file names a file, connection.key_command a command
 * printing the same content: hex keys of 256 bits, one a line ('#' starts a
 * comment), the first one current.  Keys are read lazily, when an operation
 * needs one, and kept in KeyContext until the GUCs are reloaded (the assign
 * hooks only mark them stale: no file or command work happens inside a GUC
 * hook).  They are zeroed before that memory is released.  A key is known
 * to the rest of the extension only by its fingerprint: the first 8 bytes of
 * its SHA-256, in hex.  Neither a key nor the content of the file or the
 * command's output ever reaches a message.
 *
 * Ciphertext.  All identifier and secret values of one connection are
 * encrypted together under the current key, as one plaintext of
 * NUL-separated names and values (NAME VALUE NAME VALUE ...; text values
 * cannot contain NUL, so the layout is unambiguous).  Property names travel
 * inside the ciphertext, so a value cannot be moved from one property to
 * another.  Two formats are read; the second is written:
 *
 *	 format 2 (1.1)	 0x02 | IV (16) | AES-256-CBC ciphertext | tag (32)
 *		with tag = HMAC-SHA256(mac_key, 0x02 | id (8, big-endian) | IV |
 *		ciphertext), enc_key = HMAC-SHA256(key, "connection/2 encryption")
 *		and mac_key = HMAC-SHA256(key, "connection/2 authentication"),
 *		computed once per key load.
 *	 format 1 (1.0)	 pgp_sym_encrypt_bytea() of "connection/1" id followed by
 *		the names and values (a PGP message: its first byte has the high
 *		bit set, so it is never 0x02).
 *
 * Why format 2 is secure: it is encrypt-then-MAC with independent keys, the
 * generic composition that yields authenticated encryption (IND-CCA2 and
 * integrity of ciphertexts) from an IND-CPA cipher and a strongly
 * unforgeable MAC.  AES-256-CBC with a fresh random IV for every message
 * (pg_strong_random, see ConnRandomBytes) is IND-CPA; HMAC-SHA256 with a 256-bit key is a PRF,
 * hence a strongly unforgeable MAC, and, keyed with the master key, derives
 * the two keys as independent pseudo-random values.  The tag covers the
 * format byte, the connection's id, the IV and the whole ciphertext, and is
 * checked (in constant time) before anything is decrypted: no padding
 * oracle, no format confusion, and a ciphertext copied into another row
 * fails there.  The master key itself never keys AES or the MAC directly.
 * Format 1 costs a PGP packet parse, an s2k digest and an MDC per message;
 * format 2 is one AES pass and one HMAC, a few times faster both ways.
 * rotate_key() rewrites format-1 rows in format 2.

 * pgcrypto is called through the entry points of its library
 * ($libdir/pgcrypto), never through SQL objects: whoever owns the schema
 * pgcrypto is installed in (a trusted extension: any role with CREATE on
 * the database can install it into a schema of hers) cannot put a function
 * of hers in its place, and no search_path matters.  The installed
 * extension is still required (connection.control), so that pgcrypto is
 * present and versioned with the database.
 *
 * Every plaintext -- keys, the plaintext handed to pgcrypto and what it
 * returns, each decrypted value -- is allocated in memory that is zeroed
 * when its context goes (wipe.c), whatever path the code takes.
 *
 * connection.key_status() tells which keys this server has loaded and how
 * many connections each fingerprint encrypts, from the catalog's
 * key_fingerprint column: it decrypts nothing.
 *
 * IDENTIFICATION
 *	  src/crypto.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>

#include "catalog/pg_type.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "catalog.h"
#include "connection.h"
#include "crypto.h"
#include "wipe.h"

PG_FUNCTION_INFO_V1(connection_key_status);

char	   *conn_key_file = NULL;
char	   *conn_key_command = NULL;

#define KEY_BYTES 32
#define KEY_HEX (KEY_BYTES * 2)
#define MAX_KEY_SOURCE (64 * 1024)

typedef struct ConnKey
{
	char		hex[KEY_HEX + 1];	/* the password of format 1 (pgcrypto PGP) */
	bytea	   *enc_key;		/* format 2: AES-256 key */
	bytea	   *mac_key;		/* format 2: HMAC-SHA256 key */
	char		fingerprint[CONN_FINGERPRINT_LEN + 1];
} ConnKey;

static MemoryContext KeyContext = NULL;
static ConnKey *keys = NULL;	/* keys[0] is the current key */
static int	nkeys = 0;
static bool keys_valid = false;

/* pgcrypto's entry points, loaded once per backend */
static PGFunction pgp_decrypt_fn = NULL;
static PGFunction encrypt_iv_fn = NULL;
static PGFunction decrypt_iv_fn = NULL;
static PGFunction hmac_fn = NULL;

/* A random 256-bit key has about 30 distinct byte values; fewer is a mistake. */
#define MIN_DISTINCT_KEY_BYTES 20

#define PLAINTEXT_MAGIC "connection/1"

#define FORMAT2			0x02
#define IV_BYTES		16
#define TAG_BYTES		32
#define CIPHER_TYPE		"aes-cbc/pad:pkcs"

/*
 * ConnKeysInvalidate
 *		Assign hook work for the key GUCs: forget the keys; they are read
 *		again when next needed.
 */
void
ConnKeysInvalidate(void)
{
	keys_valid = false;
}

/* Forget the keys; their memory is wiped with KeyContext. */
static void
wipe_keys(void)
{
	keys = NULL;
	nkeys = 0;
	if (KeyContext)
		MemoryContextReset(KeyContext);
}

/* Read the key file into buf, refusing files others may read. */
static void
read_key_file(StringInfo buf)
{
	struct stat st;
	FILE	   *f;
	char		chunk[1024];
	size_t		n;

	if (stat(conn_key_file, &st) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not access the key file of connection.key_file: %m"),
				 errdetail_log("The key file is \"%s\".", conn_key_file)));
	if (!S_ISREG(st.st_mode))
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("the key file of connection.key_file is not a regular file"),
				 errdetail_log("The key file is \"%s\".", conn_key_file)));
	if (st.st_mode & (S_IWGRP | S_IRWXO))
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("the key file of connection.key_file has group or world access"),
				 errdetail("The key file must not be writable by its group nor accessible to others (permissions 0640 or stricter)."),
				 errdetail_log("The key file is \"%s\".", conn_key_file)));

	f = AllocateFile(conn_key_file, "r");
	if (f == NULL)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open the key file of connection.key_file: %m"),
				 errdetail_log("The key file is \"%s\".", conn_key_file)));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
	{
		if (buf->len + n > MAX_KEY_SOURCE)
		{
			explicit_bzero(chunk, sizeof(chunk));
			FreeFile(f);
			ereport(ERROR,
					(errcode(ERRCODE_CONFIG_FILE_ERROR),
					 errmsg("the key file of connection.key_file is too large"),
					 errdetail_log("The key file is \"%s\".", conn_key_file)));
		}
		appendBinaryStringInfo(buf, chunk, n);
	}
	explicit_bzero(chunk, sizeof(chunk));
	if (ferror(f))
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not read the key file of connection.key_file: %m"),
				 errdetail_log("The key file is \"%s\".", conn_key_file)));
	FreeFile(f);
}

/* Run the key command and collect its standard output in buf. */
static void
run_key_command(StringInfo buf)
{
	FILE	   *p;
	char		chunk[1024];
	size_t		n;
	int			rc;

	fflush(NULL);
	p = OpenPipeStream(conn_key_command, "r");
	if (p == NULL)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not execute connection.key_command: %m")));
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
	{
		if (buf->len + n <= MAX_KEY_SOURCE)
			appendBinaryStringInfo(buf, chunk, n);
	}
	explicit_bzero(chunk, sizeof(chunk));
	rc = ClosePipeStream(p);
	if (rc != 0)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("connection.key_command failed"),
				 errdetail_internal("%s", wait_result_to_str(rc))));
	if (buf->len >= MAX_KEY_SOURCE)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("output of connection.key_command is too large")));
}

/* Load pgcrypto's entry points from its library. */
static void
load_pgcrypto(void)
{
	if (hmac_fn)
		return;
	pgp_decrypt_fn = load_external_function("$libdir/pgcrypto", "pgp_sym_decrypt_bytea", true, NULL);
	encrypt_iv_fn = load_external_function("$libdir/pgcrypto", "pg_encrypt_iv", true, NULL);
	decrypt_iv_fn = load_external_function("$libdir/pgcrypto", "pg_decrypt_iv", true, NULL);
	hmac_fn = load_external_function("$libdir/pgcrypto", "pg_hmac", true, NULL);
}

/* A bytea datum in wiped memory of the current context, or with a given length. */
static bytea *
wiped_bytea(const void *data, Size len)
{
	bytea	   *b = ConnAllocWiped(CurrentMemoryContext, VARHDRSZ + len);

	SET_VARSIZE(b, VARHDRSZ + len);
	if (data)
		memcpy(VARDATA(b), data, len);
	return b;
}

/* A text datum of a constant string (pgcrypto's type arguments). */
static text *
type_text(const char *s)
{
	return cstring_to_text(s);
}

/* HMAC-SHA256 of data under key, through pgcrypto: 32 bytes. */
static bytea *
hmac_sha256(bytea *data, bytea *key)
{
	bytea	   *tag = DatumGetByteaPP(DirectFunctionCall3(hmac_fn, PointerGetDatum(data),
														  PointerGetDatum(key),
														  PointerGetDatum(type_text("sha256"))));

	if (VARSIZE_ANY_EXHDR(tag) != TAG_BYTES)
		elog(ERROR, "unexpected HMAC-SHA256 length %d", (int) VARSIZE_ANY_EXHDR(tag));
	return tag;
}

/*
 * A format-2 key derived from a master key: HMAC-SHA256(key, label), in
 * wiped memory of KeyContext.
 */
static bytea *
derive_key(const uint8 *raw, const char *label)
{
	MemoryContext old = MemoryContextSwitchTo(KeyContext);
	bytea	   *master = wiped_bytea(raw, KEY_BYTES);
	bytea	   *derived = hmac_sha256(cstring_to_text(label), master);
	bytea	   *result = wiped_bytea(VARDATA_ANY(derived), TAG_BYTES);

	explicit_bzero(VARDATA_ANY(derived), TAG_BYTES);
	MemoryContextSwitchTo(old);
	return result;
}

/* First 8 bytes of SHA-256 of the raw key, in hex. */
static void
fingerprint(const uint8 *raw, char *out)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	uint8		digest[PG_SHA256_DIGEST_LENGTH];

	if (ctx == NULL || pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, raw, KEY_BYTES) < 0 ||
		pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
		elog(ERROR, "could not compute key fingerprint");
	pg_cryptohash_free(ctx);
	hex_encode((const char *) digest, CONN_FINGERPRINT_LEN / 2, out);
	out[CONN_FINGERPRINT_LEN] = '\0';
	explicit_bzero(digest, sizeof(digest));
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
invalid_key(int lineno, bool from_command, const char *detail)
{
	if (from_command)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("invalid key in line %d of the output of connection.key_command", lineno),
				 errdetail_internal("%s", detail)));
	ereport(ERROR,
			(errcode(ERRCODE_CONFIG_FILE_ERROR),
			 errmsg("invalid key in line %d of the key file of connection.key_file", lineno),
			 errdetail_internal("%s", detail)));
}

/*
 * Is a key degenerate: too few distinct byte values for 256 random bits
 * (all zeros, a repeated pattern, a counting sequence of few values)?  A
 * random key has fewer than MIN_DISTINCT_KEY_BYTES distinct values with a
 * probability below 1e-12.
 */
static bool
degenerate_key(const uint8 *raw)
{
	bool		seen[256] = {false};
	int			distinct = 0;
	bool		arithmetic = true;

	for (int i = 0; i < KEY_BYTES; i++)
	{
		if (!seen[raw[i]])
			distinct++;
		seen[raw[i]] = true;
		if (i >= 2 && (uint8) (raw[i] - raw[i - 1]) != (uint8) (raw[1] - raw[0]))
			arithmetic = false;
	}
	return distinct < MIN_DISTINCT_KEY_BYTES || arithmetic;
}

/*
 * Parse the key source into keys[] (in KeyContext, wiped when it is
 * reset).  Lines are trimmed; empty lines and lines starting with '#' are
 * skipped.  Errors name the line number only, never the file's path
 * (superusers find it in the server log) nor the key.
 */
static void
parse_keys(char *text, bool from_command)
{
	int			lineno = 0;
	int			cap = 4;
	char	   *line = text;
	uint8	   *raw = ConnAllocWiped(KeyContext, KEY_BYTES);

	keys = ConnAllocWiped(KeyContext, sizeof(ConnKey) * cap);
	while (line && *line)
	{
		char	   *next = strchr(line, '\n');
		char	   *end;
		int			len;

		if (next)
			*next++ = '\0';
		lineno++;
		while (*line == ' ' || *line == '\t')
			line++;
		end = line + strlen(line);
		while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			end--;
		len = end - line;
		if (len == 0 || line[0] == '#')
		{
			line = next;
			continue;
		}

		if (len != KEY_HEX)
			invalid_key(lineno, from_command,
						psprintf("Each key must be %d hexadecimal digits (256 bits).", KEY_HEX));
		for (int i = 0; i < KEY_BYTES; i++)
		{
			int			hi = hexval(line[2 * i]);
			int			lo = hexval(line[2 * i + 1]);

			if (hi < 0 || lo < 0)
				invalid_key(lineno, from_command,
							psprintf("Each key must be %d hexadecimal digits (256 bits).", KEY_HEX));
			raw[i] = (uint8) (hi << 4 | lo);
		}
		if (degenerate_key(raw))
			invalid_key(lineno, from_command,
						"The key is not random: generate one with od -An -tx1 -N32 /dev/urandom.");

		if (nkeys == cap)
		{
			ConnKey    *bigger = ConnAllocWiped(KeyContext, sizeof(ConnKey) * cap * 2);

			memcpy(bigger, keys, sizeof(ConnKey) * cap);
			keys = bigger;
			cap *= 2;
		}
		/* lower-case hex, so that the password does not depend on spelling */
		hex_encode((const char *) raw, KEY_BYTES, keys[nkeys].hex);
		keys[nkeys].hex[KEY_HEX] = '\0';
		fingerprint(raw, keys[nkeys].fingerprint);
		keys[nkeys].enc_key = derive_key(raw, "connection/2 encryption");
		keys[nkeys].mac_key = derive_key(raw, "connection/2 authentication");
		nkeys++;
		line = next;
	}
	if (nkeys == 0 && from_command)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("the output of connection.key_command contains no key")));
	if (nkeys == 0)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("the key file of connection.key_file contains no key")));
}

/*
 * Make sure keys[] reflects the current configuration.  Reports 55000 when
 * no key source is configured.  The key source's content is read into one
 * buffer of a short-lived context, wiped when it goes.
 */
static void
load_keys(void)
{
	StringInfoData buf;
	bool		have_file = conn_key_file && conn_key_file[0];
	bool		have_command = conn_key_command && conn_key_command[0];
	MemoryContext cxt;

	if (keys_valid)
		return;
	wipe_keys();

	if (!have_file && !have_command)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("no encryption key is configured for connections"),
				 errhint("Set connection.key_file or connection.key_command and reload the configuration.")));
	if (have_file && have_command)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("connection.key_file and connection.key_command are both set"),
				 errhint("Set only one of them.")));

	if (KeyContext == NULL)
		KeyContext = AllocSetContextCreate(TopMemoryContext, "connection keys",
										   ALLOCSET_SMALL_SIZES);
	load_pgcrypto();			/* derives the format-2 keys */

	cxt = AllocSetContextCreate(CurrentMemoryContext, "connection key source",
								ALLOCSET_SMALL_SIZES);
	buf.maxlen = MAX_KEY_SOURCE + 1;
	buf.data = ConnAllocWiped(cxt, buf.maxlen);
	buf.len = 0;
	buf.cursor = 0;
	PG_TRY();
	{
		if (have_file)
			read_key_file(&buf);
		else
			run_key_command(&buf);
		parse_keys(buf.data, !have_file);
	}
	PG_CATCH();
	{
		wipe_keys();
		MemoryContextDelete(cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	MemoryContextDelete(cxt);

	keys_valid = true;
}

/*
 * ConnCurrentFingerprint
 *		Fingerprint of the current key (loading keys if needed).
 */
const char *
ConnCurrentFingerprint(void)
{
	load_keys();
	return keys[0].fingerprint;
}

static const ConnKey *
find_key(const char *fp)
{
	load_keys();
	for (int i = 0; i < nkeys; i++)
		if (strcmp(keys[i].fingerprint, fp) == 0)
			return &keys[i];
	return NULL;
}

/* A text datum in wiped memory of the current context (a key, say). */
static text *
wiped_text(const char *s)
{
	return (text *) wiped_bytea(s, strlen(s));
}

static bool
props_have_secrets(const ConnProps *props)
{
	for (int i = 0; i < props->type->nprops; i++)
		if (props->values[i] && props->type->props[i].kind != CONN_PLAIN)
			return true;
	return false;
}

/*
 * The format-2 tag of a ciphertext (format byte, IV and AES ciphertext:
 * everything but the tag) for connection id: HMAC-SHA256 under mac_key of
 * the format byte, the id in 8 big-endian bytes, and the rest.
 */
static bytea *
format2_tag(int64 id, const char *msg, Size len, bytea *mac_key)
{
	bytea	   *input = palloc(VARHDRSZ + len + 8);
	char	   *p = VARDATA(input);
	uint64		uid = (uint64) id;

	SET_VARSIZE(input, VARHDRSZ + len + 8);
	p[0] = msg[0];
	for (int i = 0; i < 8; i++)
		p[1 + i] = (char) (uid >> (56 - 8 * i));
	memcpy(p + 9, msg + 1, len - 1);
	return hmac_sha256(input, mac_key);
}

/*
 * ConnRandomBytes
 *		len (at most RANDOM_POOL bytes) cryptographically strong random bytes
 *		for values that are not secret (initialization vectors, connection
 *		ids).  They are drawn from pg_strong_random() a pool at a time:
 *		OpenSSL's per-call cost, not its output rate, is what a create pays.
 *		A pool filled by another process (before a fork) is never used.
 */
#define RANDOM_POOL 1024

void
ConnRandomBytes(void *buf, Size len)
{
	static uint8 pool[RANDOM_POOL];
	static Size pool_left = 0;
	static pid_t pool_pid = 0;

	Assert(len <= RANDOM_POOL);
	if (pool_pid != MyProcPid || pool_left < len)
	{
		if (!pg_strong_random(pool, sizeof(pool)))
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not generate random bytes")));
		pool_left = sizeof(pool);
		pool_pid = MyProcPid;
	}
	memcpy(buf, pool + sizeof(pool) - pool_left, len);
	/* handed out once only */
	explicit_bzero(pool + sizeof(pool) - pool_left, len);
	pool_left -= len;
}

/*
 * ConnEncryptProps
 *		Encrypt the identifier and secret values of props under the current
 *		key, bound to connection id, in format 2.  Returns NULL (and no
 *		fingerprint) when there are none; otherwise the ciphertext,
 *		palloc'd, and the key's fingerprint in *fp.  The plaintext is built
 *		in wiped memory of the current context, in one allocation.
 */
bytea *
ConnEncryptProps(int64 id, const ConnProps *props, char **fp)
{
	bytea	   *plain;
	char	   *p;
	Size		len;
	uint8		iv[IV_BYTES];
	bytea	   *ct;
	bytea	   *tag;
	bytea	   *result;
	Size		ctlen;

	*fp = NULL;
	if (!props_have_secrets(props))
		return NULL;

	load_keys();

	len = VARHDRSZ;
	for (int i = 0; i < props->type->nprops; i++)
		if (props->values[i] && props->type->props[i].kind != CONN_PLAIN)
			len += strlen(props->type->props[i].name) + 1 + strlen(props->values[i]) + 1;
	plain = ConnAllocWiped(CurrentMemoryContext, len);
	SET_VARSIZE(plain, len);
	p = VARDATA(plain);
	for (int i = 0; i < props->type->nprops; i++)
	{
		if (props->values[i] == NULL || props->type->props[i].kind == CONN_PLAIN)
			continue;
		memcpy(p, props->type->props[i].name, strlen(props->type->props[i].name) + 1);
		p += strlen(props->type->props[i].name) + 1;
		memcpy(p, props->values[i], strlen(props->values[i]) + 1);
		p += strlen(props->values[i]) + 1;
	}
	Assert(p == (char *) plain + len);

	ConnRandomBytes(iv, sizeof(iv));
	ct = DatumGetByteaPP(DirectFunctionCall4(encrypt_iv_fn, PointerGetDatum(plain),
											 PointerGetDatum(keys[0].enc_key),
											 PointerGetDatum(wiped_bytea(iv, IV_BYTES)),
											 PointerGetDatum(type_text(CIPHER_TYPE))));
	ctlen = VARSIZE_ANY_EXHDR(ct);

	/* 0x02 | IV | ciphertext | tag */
	result = palloc(VARHDRSZ + 1 + IV_BYTES + ctlen + TAG_BYTES);
	SET_VARSIZE(result, VARHDRSZ + 1 + IV_BYTES + ctlen + TAG_BYTES);
	p = VARDATA(result);
	p[0] = FORMAT2;
	memcpy(p + 1, iv, IV_BYTES);
	memcpy(p + 1 + IV_BYTES, VARDATA_ANY(ct), ctlen);
	tag = format2_tag(id, p, 1 + IV_BYTES + ctlen, keys[0].mac_key);
	memcpy(p + 1 + IV_BYTES + ctlen, VARDATA_ANY(tag), TAG_BYTES);
	*fp = pstrdup(keys[0].fingerprint);
	return result;
}

/*
 * ConnCiphertextIsCurrent
 *		Is a ciphertext in the format this version writes (rotate_key()
 *		rewrites the others)?
 */
bool
ConnCiphertextIsCurrent(const bytea *ciphertext)
{
	return VARSIZE_ANY_EXHDR(ciphertext) > 0 &&
		((const uint8 *) VARDATA_ANY(ciphertext))[0] == FORMAT2;
}

static void
decrypt_error_callback(void *arg)
{
	errcontext("decrypting the properties of connection \"%s\"", (const char *) arg);
}

static void
not_its_own(const char *connname)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("encrypted properties of connection \"%s\" do not belong to it", connname),
			 errdetail("The ciphertext was made for another connection or altered; it may have been copied from another row.")));
}

/*
 * Decrypt format 2: check the tag (in constant time), then decrypt.  The
 * plaintext is returned in wiped memory of the current context.
 */
static bytea *
decrypt_format2(int64 id, const char *connname, bytea *ciphertext, const ConnKey *key)
{
	const char *msg = VARDATA_ANY(ciphertext);
	Size		len = VARSIZE_ANY_EXHDR(ciphertext);
	Size		ctlen;
	bytea	   *tag;
	uint8		diff = 0;
	bytea	   *ct;
	bytea	   *plain;

	/* at least one AES block, whole blocks only */
	if (len < 1 + IV_BYTES + 16 + TAG_BYTES || (len - 1 - IV_BYTES - TAG_BYTES) % 16 != 0)
		not_its_own(connname);
	ctlen = len - 1 - IV_BYTES - TAG_BYTES;
	tag = format2_tag(id, msg, 1 + IV_BYTES + ctlen, key->mac_key);
	for (int i = 0; i < TAG_BYTES; i++)
		diff |= ((const uint8 *) VARDATA_ANY(tag))[i] ^ ((const uint8 *) msg)[1 + IV_BYTES + ctlen + i];
	if (diff != 0)
		not_its_own(connname);

	ct = palloc(VARHDRSZ + ctlen);
	SET_VARSIZE(ct, VARHDRSZ + ctlen);
	memcpy(VARDATA(ct), msg + 1 + IV_BYTES, ctlen);
	plain = DatumGetByteaPP(DirectFunctionCall4(decrypt_iv_fn, PointerGetDatum(ct),
												PointerGetDatum(key->enc_key),
												PointerGetDatum(wiped_bytea(msg + 1, IV_BYTES)),
												PointerGetDatum(type_text(CIPHER_TYPE))));
	ConnWipeVarlena(CurrentMemoryContext, plain);
	return plain;
}

/*
 * Decrypt format 1 (pgcrypto PGP) and check and skip its header, which
 * names the connection's id.  The plaintext is returned in wiped memory of
 * the current context; *start points past the header.
 */
static bytea *
decrypt_format1(int64 id, const char *connname, bytea *ciphertext, const ConnKey *key,
				char **start)
{
	bytea	   *plain;
	char	   *p;
	char		idbuf[32];
	long		hlen;

	plain = DatumGetByteaPP(DirectFunctionCall3(pgp_decrypt_fn, PointerGetDatum(ciphertext),
												PointerGetDatum(wiped_text(key->hex)),
												PointerGetDatum(type_text(""))));
	ConnWipeVarlena(CurrentMemoryContext, plain);

	p = VARDATA_ANY(plain);
	snprintf(idbuf, sizeof(idbuf), INT64_FORMAT, id);
	hlen = sizeof(PLAINTEXT_MAGIC) + strlen(idbuf) + 1;
	if (VARSIZE_ANY_EXHDR(plain) < hlen ||
		memcmp(p, PLAINTEXT_MAGIC, sizeof(PLAINTEXT_MAGIC)) != 0 ||
		memcmp(p + sizeof(PLAINTEXT_MAGIC), idbuf, strlen(idbuf) + 1) != 0)
		not_its_own(connname);
	*start = p + hlen;
	return plain;
}

/*
 * ConnDecryptProps
 *		Decrypt a connection's ciphertext (either format) and store its
 *		identifier and secret values into props, in wiped memory of the
 *		current context (so is the decrypted plaintext).
 *
 * Reports 55000 when the key of that fingerprint is not configured, and
 * XX001 (data_corrupted) when the ciphertext belongs to another connection
 * or was altered.
 */
void
ConnDecryptProps(int64 id, const char *connname, bytea *ciphertext,
				 const char *fp, ConnProps *props)
{
	const ConnKey *key = find_key(fp);
	ErrorContextCallback errcb;
	bytea	   *plain;
	char	   *p;
	char	   *end;

	if (key == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the key that encrypted connection \"%s\" is not available", connname),
				 errdetail("Connection \"%s\" is encrypted with the key of fingerprint %s, which is not among the configured keys.",
						   connname, fp),
				 errhint("Add that key to the key source (after the current key) and reload the configuration.")));

	errcb.callback = decrypt_error_callback;
	errcb.arg = (void *) connname;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	if (ConnCiphertextIsCurrent(ciphertext))
	{
		plain = decrypt_format2(id, connname, ciphertext, key);
		p = VARDATA_ANY(plain);
	}
	else
		plain = decrypt_format1(id, connname, ciphertext, key, &p);
	end = VARDATA_ANY(plain) + VARSIZE_ANY_EXHDR(plain);

	while (p < end)
	{
		char	   *name = p;
		char	   *value;
		int			idx;

		value = memchr(name, '\0', end - name);
		if (value == NULL || ++value >= end || memchr(value, '\0', end - value) == NULL)
			break;
		idx = ConnLookupProp(props->type, name, true);
		if (idx < 0 || props->type->props[idx].kind == CONN_PLAIN)
			break;
		props->values[idx] = ConnStrdupWiped(CurrentMemoryContext, value, strlen(value));
		p = value + strlen(value) + 1;
	}
	if (p != end)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("encrypted properties of connection \"%s\" are malformed", connname)));
	error_context_stack = errcb.previous;
}

/*
 * ConnWipeProps
 *		Zero the identifier and secret values of props now and forget them
 *		(their memory is wiped again, and released, with its context).
 */
void
ConnWipeProps(ConnProps *props)
{
	for (int i = 0; i < props->type->nprops; i++)
	{
		if (props->values[i] && props->type->props[i].kind != CONN_PLAIN)
		{
			explicit_bzero(props->values[i], strlen(props->values[i]));
			props->values[i] = NULL;
		}
	}
}

/* ---------------------------------------------------------------------
 * Key status
 * ---------------------------------------------------------------------
 */

/* A failed load is not tried again by key_status() for this long. */
#define KEY_STATUS_RETRY_SECS 10
static TimestampTz key_status_failed = 0;

typedef struct FingerprintUse
{
	char	   *fingerprint;
	bool		loaded;
	bool		current;
	int64		connections;
	List	   *names;			/* of connections it encrypts */
} FingerprintUse;

static FingerprintUse *
use_of(List **uses, const char *fp)
{
	ListCell   *lc;
	FingerprintUse *u;

	foreach(lc, *uses)
	{
		u = lfirst(lc);
		if (strcmp(u->fingerprint, fp) == 0)
			return u;
	}
	u = palloc0(sizeof(FingerprintUse));
	u->fingerprint = pstrdup(fp);
	*uses = lappend(*uses, u);
	return u;
}

static void
load_keys_for_status(void *arg)
{
	load_keys();
}

/*
 * connection.key_status()
 *		For this server: one row per key it has loaded (the current one
 *		first) and per fingerprint its connections are encrypted with that
 *		it has not loaded, with how many connections each encrypts; for
 *		superusers, also the names of the connections it cannot decrypt.
 *		Decrypts nothing; a key that cannot be loaded (none configured, a
 *		bad file) leaves only rows of fingerprints not loaded, and its error
 *		is not shown (the server log has it, when a function needs a key).
 *		Reads nothing but the catalog, so it works on a standby and a
 *		subscriber.
 */
Datum
connection_key_status(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	List	   *uses = NIL;
	ListCell   *lc;
	bool		show_names = superuser();

	InitMaterializedSRF(fcinfo, 0);

	/*
	 * A key that cannot be loaded is a status, not an error: it is loaded in
	 * a subtransaction, and a failure is logged (server only: its detail may
	 * name the key file) and not tried again for a while, so that no caller
	 * can make the server run connection.key_command in a loop.
	 */
	if (!keys_valid &&
		GetCurrentTimestamp() >= key_status_failed + (TimestampTz) KEY_STATUS_RETRY_SECS * USECS_PER_SEC)
	{
		ErrorData  *edata = ConnTrySubtransaction(load_keys_for_status, NULL);

		if (edata)
		{
			key_status_failed = GetCurrentTimestamp();
			ereport(LOG_SERVER_ONLY,
					(errmsg("connection.key_status() could not load the keys: %s", edata->message),
					 edata->detail ? errdetail_internal("%s", edata->detail) : 0));
		}
	}
	if (keys_valid)
		for (int i = 0; i < nkeys; i++)
		{
			FingerprintUse *u = use_of(&uses, keys[i].fingerprint);

			u->loaded = true;
			u->current = (i == 0);
		}
	foreach(lc, ConnCatalogAllRows(AccessShareLock))
	{
		ConnRow    *row = lfirst(lc);
		FingerprintUse *u;

		if (row->key_fingerprint == NULL)
			continue;			/* nothing encrypted */
		u = use_of(&uses, row->key_fingerprint);
		u->connections++;
		u->names = lappend(u->names, row->name);
	}
	foreach(lc, uses)
	{
		FingerprintUse *u = lfirst(lc);
		Datum		values[5];
		bool		nulls[5] = {false};

		values[0] = CStringGetTextDatum(u->fingerprint);
		values[1] = BoolGetDatum(u->loaded);
		values[2] = BoolGetDatum(u->current);
		values[3] = Int64GetDatum(u->connections);
		if (!u->loaded && show_names)
		{
			Datum	   *names = palloc(sizeof(Datum) * Max(list_length(u->names), 1));
			int			n = 0;
			ListCell   *nc;

			foreach(nc, u->names)
				names[n++] = CStringGetTextDatum(lfirst(nc));
			values[4] = PointerGetDatum(construct_array(names, n, TEXTOID, -1, false, TYPALIGN_INT));
		}
		else
			nulls[4] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
