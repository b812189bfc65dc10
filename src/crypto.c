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
 * encrypted together with pgp_sym_encrypt_bytea() under the current key.
 * The plaintext starts with a header naming the connection's id, so a
 * ciphertext copied into another row fails to decrypt there with a clear
 * error; property names travel inside the ciphertext, so a value cannot be
 * moved from one property to another either.  Layout, NUL-separated:
 *		"connection/1" id NAME VALUE NAME VALUE ...
 * Text values cannot contain NUL, so the layout is unambiguous.
 *
 * pgcrypto's functions are found through its extension's schema and called
 * by OID, never through search_path.
 *
 * IDENTIFICATION
 *	  src/crypto.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "port/pg_bswap.h"
#include "storage/fd.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "crypto.h"

char	   *conn_key_file = NULL;
char	   *conn_key_command = NULL;

#define KEY_BYTES 32
#define KEY_HEX (KEY_BYTES * 2)
#define MAX_KEY_SOURCE (64 * 1024)

typedef struct ConnKey
{
	char		hex[KEY_HEX + 1];	/* what pgcrypto gets as password */
	char		fingerprint[CONN_FINGERPRINT_LEN + 1];
} ConnKey;

static MemoryContext KeyContext = NULL;
static ConnKey *keys = NULL;	/* keys[0] is the current key */
static int	nkeys = 0;
static bool keys_valid = false;

/* pgcrypto functions, looked up once per backend */
static bool pgcrypto_valid = false;
static FmgrInfo encrypt_fn;
static FmgrInfo decrypt_fn;

/*
 * pgcrypto options.  The password is a uniformly random 256-bit key, so an
 * iterated, slow string-to-key (s2k-mode 3, pgcrypto's default) would only
 * cost time: s2k-mode 1 (salted, one SHA-256) still gives every message its
 * own key.  No compression: it gains nothing on short values and lets the
 * ciphertext length depend on the content.
 */
static const char *const encrypt_options =
"cipher-algo=aes256, s2k-mode=1, s2k-digest-algo=sha256, compress-algo=0";

#define PLAINTEXT_MAGIC "connection/1"

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

/*
 * ConnCryptoReset
 *		Forget the pgcrypto function lookups (the extension may have been
 *		dropped and created again).
 */
void
ConnCryptoReset(void)
{
	pgcrypto_valid = false;
}

static void
wipe_keys(void)
{
	if (keys)
		explicit_bzero(keys, sizeof(ConnKey) * nkeys);
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
				 errmsg("could not access key file \"%s\": %m", conn_key_file)));
	if (!S_ISREG(st.st_mode))
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("key file \"%s\" is not a regular file", conn_key_file)));
	if (st.st_mode & (S_IWGRP | S_IRWXO))
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("key file \"%s\" has group or world access", conn_key_file),
				 errdetail("The key file must not be writable by its group nor accessible to others (permissions 0640 or stricter).")));

	f = AllocateFile(conn_key_file, "r");
	if (f == NULL)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open key file \"%s\": %m", conn_key_file)));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
	{
		if (buf->len + n > MAX_KEY_SOURCE)
		{
			explicit_bzero(chunk, sizeof(chunk));
			FreeFile(f);
			ereport(ERROR,
					(errcode(ERRCODE_CONFIG_FILE_ERROR),
					 errmsg("key file \"%s\" is too large", conn_key_file)));
		}
		appendBinaryStringInfo(buf, chunk, n);
	}
	explicit_bzero(chunk, sizeof(chunk));
	if (ferror(f))
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not read key file \"%s\": %m", conn_key_file)));
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
				 errdetail("The command %s.", wait_result_to_str(rc))));
	if (buf->len >= MAX_KEY_SOURCE)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("output of connection.key_command is too large")));
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

/*
 * Parse the key source into keys[].  Lines are trimmed; empty lines and
 * lines starting with '#' are skipped.  Errors name the line number only.
 */
static void
parse_keys(char *text, const char *source)
{
	int			lineno = 0;
	int			cap = 4;
	char	   *line = text;

	keys = MemoryContextAllocZero(KeyContext, sizeof(ConnKey) * cap);
	while (line && *line)
	{
		char	   *next = strchr(line, '\n');
		char	   *end;
		uint8		raw[KEY_BYTES];
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
			ereport(ERROR,
					(errcode(ERRCODE_CONFIG_FILE_ERROR),
					 errmsg("invalid key in line %d of %s", lineno, source),
					 errdetail("Each key must be %d hexadecimal digits (256 bits).", KEY_HEX)));
		for (int i = 0; i < KEY_BYTES; i++)
		{
			int			hi = hexval(line[2 * i]);
			int			lo = hexval(line[2 * i + 1]);

			if (hi < 0 || lo < 0)
			{
				explicit_bzero(raw, sizeof(raw));
				ereport(ERROR,
						(errcode(ERRCODE_CONFIG_FILE_ERROR),
						 errmsg("invalid key in line %d of %s", lineno, source),
						 errdetail("Each key must be %d hexadecimal digits (256 bits).", KEY_HEX)));
			}
			raw[i] = (uint8) (hi << 4 | lo);
		}

		if (nkeys == cap)
		{
			ConnKey    *bigger = MemoryContextAllocZero(KeyContext, sizeof(ConnKey) * cap * 2);

			memcpy(bigger, keys, sizeof(ConnKey) * cap);
			explicit_bzero(keys, sizeof(ConnKey) * cap);
			keys = bigger;
			cap *= 2;
		}
		/* lower-case hex, so that the password does not depend on spelling */
		hex_encode((const char *) raw, KEY_BYTES, keys[nkeys].hex);
		keys[nkeys].hex[KEY_HEX] = '\0';
		fingerprint(raw, keys[nkeys].fingerprint);
		explicit_bzero(raw, sizeof(raw));
		nkeys++;
		line = next;
	}
	if (nkeys == 0)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("%s contains no key", source)));
}

/*
 * Make sure keys[] reflects the current configuration.  Reports 55000 when
 * no key source is configured.
 */
static void
load_keys(void)
{
	StringInfoData buf;
	bool		have_file = conn_key_file && conn_key_file[0];
	bool		have_command = conn_key_command && conn_key_command[0];
	const char *source;

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

	initStringInfo(&buf);
	PG_TRY();
	{
		if (have_file)
		{
			read_key_file(&buf);
			source = psprintf("key file \"%s\"", conn_key_file);
		}
		else
		{
			run_key_command(&buf);
			source = "the output of connection.key_command";
		}
		parse_keys(buf.data, source);
	}
	PG_FINALLY();
	{
		explicit_bzero(buf.data, buf.maxlen);
		pfree(buf.data);
	}
	PG_END_TRY();

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

/* Look up pgcrypto's two functions in its own schema. */
static void
lookup_pgcrypto(void)
{
	Oid			extoid;
	Oid			nspoid = InvalidOid;
	char	   *nspname;
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	Oid			argtypes[3] = {BYTEAOID, TEXTOID, TEXTOID};
	Oid			fn;

	if (pgcrypto_valid)
		return;

	extoid = get_extension_oid("pgcrypto", true);
	if (!OidIsValid(extoid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"pgcrypto\" is not installed")));

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(extoid));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		nspoid = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	nspname = get_namespace_name(nspoid);
	if (nspname == NULL)
		elog(ERROR, "cache lookup failed for schema of extension pgcrypto");

	fn = LookupFuncName(list_make2(makeString(nspname), makeString("pgp_sym_encrypt_bytea")),
						3, argtypes, false);
	fmgr_info_cxt(fn, &encrypt_fn, TopMemoryContext);
	fn = LookupFuncName(list_make2(makeString(nspname), makeString("pgp_sym_decrypt_bytea")),
						3, argtypes, false);
	fmgr_info_cxt(fn, &decrypt_fn, TopMemoryContext);
	pgcrypto_valid = true;
}

static void
wipe_varlena(void *ptr)
{
	struct varlena *v = ptr;

	explicit_bzero(VARDATA(v), VARSIZE(v) - VARHDRSZ);
	pfree(v);
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
 * ConnEncryptProps
 *		Encrypt the identifier and secret values of props under the current
 *		key, bound to connection id.  Returns NULL (and no fingerprint) when
 *		there are none; otherwise the ciphertext, palloc'd, and the key's
 *		fingerprint in *fp.
 */
bytea *
ConnEncryptProps(int64 id, const ConnProps *props, char **fp)
{
	StringInfoData buf;
	bytea	   *plain;
	text	   *psw;
	text	   *opts;
	bytea	   *result;
	char		idbuf[32];

	*fp = NULL;
	if (!props_have_secrets(props))
		return NULL;

	load_keys();
	lookup_pgcrypto();

	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, "\0\0\0\0", VARHDRSZ);
	snprintf(idbuf, sizeof(idbuf), INT64_FORMAT, id);
	appendBinaryStringInfo(&buf, PLAINTEXT_MAGIC, sizeof(PLAINTEXT_MAGIC));
	appendBinaryStringInfo(&buf, idbuf, strlen(idbuf) + 1);
	for (int i = 0; i < props->type->nprops; i++)
	{
		if (props->values[i] == NULL || props->type->props[i].kind == CONN_PLAIN)
			continue;
		appendBinaryStringInfo(&buf, props->type->props[i].name,
							   strlen(props->type->props[i].name) + 1);
		appendBinaryStringInfo(&buf, props->values[i], strlen(props->values[i]) + 1);
	}
	plain = (bytea *) buf.data;
	SET_VARSIZE(plain, buf.len);

	psw = cstring_to_text(keys[0].hex);
	opts = cstring_to_text(encrypt_options);
	PG_TRY();
	{
		result = DatumGetByteaPP(FunctionCall3(&encrypt_fn, PointerGetDatum(plain),
											   PointerGetDatum(psw), PointerGetDatum(opts)));
	}
	PG_FINALLY();
	{
		wipe_varlena(plain);
		wipe_varlena(psw);
	}
	PG_END_TRY();

	*fp = pstrdup(keys[0].fingerprint);
	return result;
}

static void
decrypt_error_callback(void *arg)
{
	errcontext("decrypting the properties of connection \"%s\"", (const char *) arg);
}

/*
 * ConnDecryptProps
 *		Decrypt a connection's ciphertext and store its identifier and secret
 *		values (palloc'd in the current context) into props.  The caller
 *		releases them with ConnWipeProps().
 *
 * Reports 55000 when the key of that fingerprint is not configured, and
 * XX001 (data_corrupted) when the ciphertext belongs to another connection.
 */
void
ConnDecryptProps(int64 id, const char *connname, bytea *ciphertext,
				 const char *fp, ConnProps *props)
{
	const ConnKey *key = find_key(fp);
	ErrorContextCallback errcb;
	text	   *psw;
	text	   *opts;
	bytea	   *plain;
	char	   *p;
	char	   *end;
	char		idbuf[32];
	long		hlen;

	if (key == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the key that encrypted connection \"%s\" is not available", connname),
				 errdetail("Connection \"%s\" is encrypted with the key of fingerprint %s, which is not among the configured keys.",
						   connname, fp),
				 errhint("Add that key to the key source (after the current key) and reload the configuration.")));
	lookup_pgcrypto();

	errcb.callback = decrypt_error_callback;
	errcb.arg = (void *) connname;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	psw = cstring_to_text(key->hex);
	opts = cstring_to_text("");
	PG_TRY();
	{
		plain = DatumGetByteaPP(FunctionCall3(&decrypt_fn, PointerGetDatum(ciphertext),
											  PointerGetDatum(psw), PointerGetDatum(opts)));
	}
	PG_FINALLY();
	{
		wipe_varlena(psw);
	}
	PG_END_TRY();

	p = VARDATA_ANY(plain);
	end = p + VARSIZE_ANY_EXHDR(plain);
	snprintf(idbuf, sizeof(idbuf), INT64_FORMAT, id);
	hlen = sizeof(PLAINTEXT_MAGIC) + strlen(idbuf) + 1;
	if (end - p < hlen ||
		memcmp(p, PLAINTEXT_MAGIC, sizeof(PLAINTEXT_MAGIC)) != 0 ||
		memcmp(p + sizeof(PLAINTEXT_MAGIC), idbuf, strlen(idbuf) + 1) != 0)
	{
		explicit_bzero(p, end - p);
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("encrypted properties of connection \"%s\" do not belong to it", connname),
				 errdetail("The ciphertext was made for another connection; it may have been copied from another row.")));
	}
	p += hlen;

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
		props->values[idx] = pstrdup(value);
		p = value + strlen(value) + 1;
	}
	if (p != end)
	{
		explicit_bzero(VARDATA_ANY(plain), VARSIZE_ANY_EXHDR(plain));
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("encrypted properties of connection \"%s\" are malformed", connname)));
	}

	explicit_bzero(VARDATA_ANY(plain), VARSIZE_ANY_EXHDR(plain));
	pfree(plain);
	pfree(opts);
	error_context_stack = errcb.previous;
}

/*
 * ConnWipeProps
 *		Zero and free the identifier and secret values of props.
 */
void
ConnWipeProps(ConnProps *props)
{
	for (int i = 0; i < props->type->nprops; i++)
	{
		if (props->values[i] && props->type->props[i].kind != CONN_PLAIN)
		{
			explicit_bzero(props->values[i], strlen(props->values[i]));
			pfree(props->values[i]);
			props->values[i] = NULL;
		}
	}
}
