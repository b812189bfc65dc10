/*-------------------------------------------------------------------------
 *
 * commands.c
 *	  SQL entry points that change connections: create(), alter(), drop()
 *	  and rotate_key().
 *
 * Each of them validates everything it can before it takes locks, then
 * locks the names it touches (see catalog.c), reads the current row, checks
 * ownership, builds the complete new row (encrypting before anything is
 * written: plaintext never reaches a heap page or the WAL) and writes it in
 * one catalog operation.  Any error leaves the catalog as it was; the
 * caller's transaction decides the rest.
 *
 * IDENTIFICATION
 *	  src/commands.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "cache.h"
#include "catalog.h"
#include "commands.h"
#include "connection.h"
#include "crypto.h"
#include "depend.h"
#include "hooks.h"
#include "http.h"
#include "privileges.h"
#include "registry.h"
#include "validate.h"
#include "wipe.h"

PG_FUNCTION_INFO_V1(connection_create);
PG_FUNCTION_INFO_V1(connection_alter);
PG_FUNCTION_INFO_V1(connection_drop);
PG_FUNCTION_INFO_V1(connection_rotate_key);

/*
 * ConnArgText
 *		Argument argno as a C string; reports 22004 if it is NULL.
 */
char *
ConnArgText(FunctionCallInfo fcinfo, int argno, const char *argname)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", argname)));
	return text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

/*
 * ConnArgSecret
 *		Argument argno, which may hold secrets (never NULL here): a copy that
 *		detoasting made is wiped when the call's memory goes.
 */
struct varlena *
ConnArgSecret(FunctionCallInfo fcinfo, int argno)
{
	struct varlena *arg = PG_DETOAST_DATUM(PG_GETARG_DATUM(argno));

	if ((Pointer) arg != DatumGetPointer(PG_GETARG_DATUM(argno)))
		ConnWipeVarlena(CurrentMemoryContext, arg);
	return arg;
}

/* Boolean argument; NULL is refused like any other NULL argument. */
static bool
arg_bool(FunctionCallInfo fcinfo, int argno, const char *argname)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", argname)));
	return PG_GETARG_BOOL(argno);
}

/*
 * ConnArgName
 *		Argument argno as a normalized connection name.
 */
char *
ConnArgName(FunctionCallInfo fcinfo, int argno)
{
	return ConnNormalizeName(ConnArgText(fcinfo, argno, "connection name"),
							 "connection name");
}

/* Current time at millisecond precision (what the catalog keeps). */
static TimestampTz
now_ms(void)
{
	TimestampTz now = GetCurrentTimestamp();

	return now - now % 1000;
}

/*
 * ConnFetchExisting
 *		The row of a connection the caller has locked; reports 42704 when it
 *		does not exist.
 */
ConnRow *
ConnFetchExisting(const char *name)
{
	ConnRow    *row = ConnCatalogFetch(name, CurrentMemoryContext);

	if (row == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("connection \"%s\" does not exist", name)));
	return row;
}

/*
 * Refuse a caller who may not manage an existing connection before its name
 * is locked: else anyone could take the lock and, not reading the error
 * PostgreSQL sends before the transaction ends (interrupts held), keep it
 * from the owner.  The check is done again under the lock.  Superusers
 * pass every owner check: they skip this one.
 */
static void
check_owner_unlocked(const char *name)
{
	ConnRow    *row;

	if (superuser())
		return;
	row = ConnCatalogFetch(name, CurrentMemoryContext);
	if (row != NULL)
		ConnCheckOwner(row);
}

/*
 * ConnFetchOwned
 *		Lock a connection's name (and newname, if not NULL) for writing, read
 *		its row and check that the current user may manage it.  Reports 42704
 *		when it does not exist, 42501 when the user is not its owner.
 */
ConnRow *
ConnFetchOwned(const char *name, const char *newname)
{
	ConnRow    *row;

	check_owner_unlocked(name);
	ConnCatalogLockNames(name, newname);
	row = ConnFetchExisting(name);
	ConnCheckOwner(row);
	return row;
}

/*
 * ConnRowProps
 *		The properties of a row: plain ones, and, with decrypt, identifiers
 *		and secrets (release those with ConnWipeProps).
 */
void
ConnRowProps(const ConnRow *row, ConnProps *props, bool decrypt)
{
	memset(props, 0, sizeof(ConnProps));
	props->type = row->type;
	ConnPropsFromJsonb(props, row->plain);
	if (decrypt && row->secrets)
		ConnDecryptProps(row->id, row->name, row->secrets, row->key_fingerprint, props);
}

/*
 * ConnRowCloud
 *		The cloud of a row: its type's, or for CLOUD_FUNCTION its PROVIDER's,
 *		read from the stored JSON without building its properties (a check
 *		of the hot path).
 */
ConnCloud
ConnRowCloud(const ConnRow *row)
{
	if (row->type->cloud != CONN_CLOUD_BY_PROVIDER)
		return row->type->cloud;
	return ConnCloudOf(row->type, ConnJsonbString(&row->plain->root, "PROVIDER"));
}

/*
 * ConnCanSignFor
 *		Can a connection sign AssumeRole calls for role-based connections of
 *		cloud, that is, does it hold access keys of that cloud?
 */
bool
ConnCanSignFor(const ConnRow *row, ConnCloud cloud)
{
	ConnProps	props;

	if (!row->type->has_auth_modes)
		return false;
	ConnRowProps(row, &props, false);
	return !ConnPropsRoleMode(&props) && ConnPropsCloud(&props) == cloud;
}

/* Store props into the row's property columns, encrypting as needed. */
static void
set_row_props(ConnRow *row, const ConnProps *props)
{
	row->plain = ConnPropsToJsonb(props, CONN_KIND_BIT(CONN_PLAIN), false);
	row->masks = ConnPropsToJsonb(props, CONN_KIND_BIT(CONN_IDENTIFIER), true);
	row->secrets = ConnEncryptProps(row->id, props, &row->key_fingerprint);
}

/*
 * Check the properties that name other connections: they must exist (and be
 * kept from being dropped until we commit), be of the right kind, and, when
 * the reference is new (not in oldprops), be usable by the current user:
 * naming a connection pins it against drop() and, for SOURCE_CONNECTION,
 * signs with its keys.
 */
static void
check_references(const ConnProps *props, const ConnProps *oldprops, const char *connname)
{
	for (int i = 0; i < props->type->nprops; i++)
	{
		const ConnPropDef *def = &props->type->props[i];
		const char *refname = props->values[i];
		const char *oldname = oldprops ? ConnPropValue(oldprops, def->name) : NULL;
		ConnRow    *ref;

		if (def->fmt != CONN_FMT_CONNECTION || refname == NULL)
			continue;
		if (strcmp(refname, connname) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("connection \"%s\" cannot reference itself in %s", connname, def->name)));
		/* a new reference needs USAGE, checked before the name is locked */
		if (oldname == NULL || strcmp(oldname, refname) != 0)
		{
			ref = ConnCatalogFetch(refname, CurrentMemoryContext);
			if (ref != NULL)
				ConnCheckUsage(ref);
		}
		ConnCatalogLockName(refname, ShareLock);
		ref = ConnCatalogFetch(refname, CurrentMemoryContext);
		if (ref == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("connection \"%s\" does not exist", refname),
					 errdetail("Property \"%s\" of connection \"%s\" names it.", def->name, connname)));
		if (oldname == NULL || strcmp(oldname, refname) != 0)
			ConnCheckUsage(ref);
		if (strcmp(def->name, "STORAGE_CONNECTION") == 0 &&
			strcmp(ref->type->category, "STORAGE") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("connection \"%s\" is not a STORAGE connection", refname),
					 errdetail("Property \"%s\" must name a STORAGE connection.", def->name)));
		if (strcmp(def->name, "SOURCE_CONNECTION") == 0 &&
			!ConnCanSignFor(ref, ConnPropsCloud(props)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("connection \"%s\" cannot be the source connection of \"%s\"",
							refname, connname),
					 errdetail("A source connection must authenticate with access keys on the same cloud (%s).",
							   ConnCloudName(ConnPropsCloud(props)))));
	}
}

/*
 * The endpoints a connection makes the server send requests to must be
 * ones connection.allowed_hosts admits (checked again at every request).
 */
static void
check_endpoints(const ConnProps *props)
{
	for (int i = 0; i < props->type->nprops; i++)
	{
		const ConnPropDef *def = &props->type->props[i];
		ConnEndpoint ep;

		const char *problem;
		char	   *host;

		if ((def->fmt != CONN_FMT_ENDPOINT && def->fmt != CONN_FMT_HTTPS_URL) ||
			props->values[i] == NULL)
			continue;
		ConnHttpEndpoint(props->values[i], def->name, &ep);
		/* the host of the authority, without a port */
		host = pstrdup(ep.authority);
		if (host[0] != '[' && strchr(host, ':'))
			*strchr(host, ':') = '\0';
		problem = ConnHostProblem(host, true);
		if (problem)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for property \"%s\": \"%s\"", def->name, props->values[i]),
					 errdetail("%s", problem)));
		if (def->fmt == CONN_FMT_ENDPOINT)
			(void) ConnHttpAllowed(&ep, def->name);
	}
}

static void
exists_skipping(const char *name)
{
	ereport(NOTICE,
			(errcode(ERRCODE_DUPLICATE_OBJECT),
			 errmsg("connection \"%s\" already exists, skipping", name)));
}

/*
 * ConnCreate
 *		create() for callers in C: name already normalized, properties as
 *		given by the user.
 */
void
ConnCreate(const char *name, const char *category, const char *typname, Jsonb *json,
		   const char *comment, bool if_not_exists, bool or_replace)
{
	ConnProps	props;
	ConnProps	oldprops;
	ConnRow    *old;
	ConnRow    *row;
	ConnReservation *reservation = NULL;

	if (if_not_exists && or_replace)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("if_not_exists and or_replace cannot both be true")));
	PreventCommandIfReadOnly("connection.create()");

	memset(&props, 0, sizeof(props));
	props.type = ConnLookupType(category, typname);
	ConnParseProps(&props, json);

	/* an outsider's IF NOT EXISTS must not hold the owner's name lock */
	if (if_not_exists && ConnCatalogFetch(name, CurrentMemoryContext) != NULL)
	{
		ConnWipeProps(&props);
		exists_skipping(name);
		return;
	}
	ConnCatalogLockNames(name, NULL);

	/*
	 * A plain create learns whether the name is taken from the insertion
	 * (ConnCatalogInsert): one index descent fewer.
	 */
	old = (if_not_exists || or_replace) ? ConnCatalogFetch(name, CurrentMemoryContext) : NULL;
	if (old)
	{
		if (if_not_exists)
		{
			ConnCatalogUnlockName(name, AccessExclusiveLock);
			ConnWipeProps(&props);
			exists_skipping(name);
			return;
		}
		ConnCheckOwner(old);
		ConnRowProps(old, &oldprops, false);

		/* a replaced role-based connection keeps its EXTERNAL_ID */
		if (ConnPropsRoleMode(&props))
		{
			int			newidx = ConnLookupProp(props.type, "EXTERNAL_ID", true);
			int			oldidx = ConnLookupProp(old->type, "EXTERNAL_ID", true);

			if (newidx >= 0 && oldidx >= 0)
				props.values[newidx] = oldprops.values[oldidx];
		}
	}
	else
		reservation = ConnDependCheckReservation(name);

	ConnValidateProps(&props, name);
	check_endpoints(&props);
	check_references(&props, old ? &oldprops : NULL, name);
	if (old)
		ConnDependCheckRetype(old, props.type);

	row = palloc0(sizeof(ConnRow));
	if (old)
	{
		row->id = old->id;
		row->owner = old->owner;
		row->creator = old->creator;
		row->created = old->created;
		row->acl = old->acl;
		row->tid = old->tid;
	}
	else
	{
		row->id = ConnCatalogNextId();
		row->owner = GetUserId();
		row->creator = GetUserNameFromId(GetUserId(), false);
		row->created = now_ms();
	}
	row->name = pstrdup(name);
	row->type = props.type;
	row->enabled = true;
	row->comment = (comment && comment[0]) ? pstrdup(comment) : NULL;
	row->modified = old ? now_ms() : row->created;
	set_row_props(row, &props);
	ConnWipeProps(&props);

	if (old)
		ConnCatalogUpdate(row);
	else if (!ConnCatalogInsert(row))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("connection \"%s\" already exists", name),
				 errhint("Use or_replace => true to replace it, or connection.alter() to change it.")));
	ConnDependSyncProperties(row, &props, old == NULL);
	if (reservation)
		ConnDependAdopt(reservation, row->id);
	ConnCacheInvalidate();
	ConnValidateOnChange(name);
}

/*
 * connection.create(name, category, type, properties, comment,
 *					 if_not_exists, or_replace)
 */
Datum
connection_create(PG_FUNCTION_ARGS)
{
	char	   *name;
	char	   *category;
	char	   *typname;

	/* first of all: whatever fails below, the statement passes secrets */
	ConnMarkSecretStatement();
	name = ConnArgName(fcinfo, 0);
	category = ConnArgText(fcinfo, 1, "connection category");
	typname = ConnArgText(fcinfo, 2, "connection type");
	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("connection properties must not be null"),
				 errhint("Pass '{}' for a connection without properties.")));
	ConnCreate(name, category, typname, (Jsonb *) ConnArgSecret(fcinfo, 3),
			   PG_ARGISNULL(4) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(4)),
			   arg_bool(fcinfo, 5, "if_not_exists"), arg_bool(fcinfo, 6, "or_replace"));
	PG_RETURN_VOID();
}

/*
 * Apply set_properties and unset_properties of alter() to props (the current
 * properties, decrypted).
 */
static void
merge_props(ConnProps *props, const char *connname, Jsonb *set, ArrayType *unset)
{
	bool		unset_idx[CONN_MAX_PROPS] = {false};

	if (unset)
	{
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		deconstruct_array(unset, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
		for (int i = 0; i < n; i++)
		{
			char	   *pname;
			int			idx;

			if (nulls[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("property names in unset_properties must not be null")));
			pname = TextDatumGetCString(elems[i]);
			idx = ConnLookupProp(props->type, pname, false);
			if (props->type->props[idx].req == CONN_REQ_GENERATED)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("property \"%s\" cannot be unset", props->type->props[idx].name),
						 errdetail("It is generated and removed with ROLE_ARN.")));
			if (props->values[idx] == NULL && !unset_idx[idx])
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_OBJECT),
						 errmsg("property \"%s\" is not set for connection \"%s\"",
								props->type->props[idx].name, connname)));
			unset_idx[idx] = true;
			props->values[idx] = NULL;
		}
	}

	if (set)
	{
		ConnProps	delta;

		memset(&delta, 0, sizeof(delta));
		delta.type = props->type;
		ConnParseProps(&delta, set);
		for (int i = 0; i < props->type->nprops; i++)
		{
			if (delta.values[i] == NULL)
				continue;
			if (unset_idx[i])
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("property \"%s\" cannot be both set and unset", props->type->props[i].name)));
			props->values[i] = delta.values[i];
		}
	}

}

/*
 * A disabled connection may be enabled only with every connection it must
 * name (a drop with force clears such properties and disables it).
 */
static void
check_enabling(const ConnRow *row)
{
	ConnProps	props;

	ConnRowProps(row, &props, false);
	for (int i = 0; i < props.type->nprops; i++)
	{
		const ConnPropDef *def = &props.type->props[i];

		if (def->fmt == CONN_FMT_CONNECTION && def->req == CONN_REQ_REQUIRED &&
			props.values[i] == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("connection \"%s\" cannot be enabled without property \"%s\"",
							row->name, def->name),
					 errdetail("The connection it named was dropped."),
					 errhint("Set the property with set_properties in the same call.")));
	}
}

/*
 * connection.alter(name, set_properties, unset_properties, enabled, comment,
 *					rename_to, owner)
 */
Datum
connection_alter(PG_FUNCTION_ARGS)
{
	char	   *name;
	Jsonb	   *set;
	ArrayType  *unset;
	char	   *newname;
	ConnRow    *row;
	ConnReservation *reservation = NULL;
	bool		changed = false;

	/* first of all: whatever fails below, the statement passes secrets */
	ConnMarkSecretStatement();
	name = ConnArgName(fcinfo, 0);
	set = PG_ARGISNULL(1) ? NULL : (Jsonb *) ConnArgSecret(fcinfo, 1);
	unset = PG_ARGISNULL(2) ? NULL : PG_GETARG_ARRAYTYPE_P(2);
	newname = PG_ARGISNULL(5) ? NULL :
		ConnNormalizeName(text_to_cstring(PG_GETARG_TEXT_PP(5)), "connection name");
	if (unset && ARR_NDIM(unset) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("unset_properties must be a one-dimensional array")));
	PreventCommandIfReadOnly("connection.alter()");

	row = ConnFetchOwned(name, newname);

	if (set || unset)
	{
		ConnProps	props;
		ConnProps	oldprops;

		ConnRowProps(row, &oldprops, false);
		ConnRowProps(row, &props, true);
		merge_props(&props, name, set, unset);
		/* changed properties meet today's rules, the cloud's included */
		ConnValidateProps(&props, name);
		check_endpoints(&props);
		check_references(&props, &oldprops, name);
		set_row_props(row, &props);
		ConnWipeProps(&props);
		ConnDependSyncProperties(row, &props, false);
		changed = true;
	}
	if (!PG_ARGISNULL(3))
	{
		if (PG_GETARG_BOOL(3) && !row->enabled)
			check_enabling(row);
		row->enabled = PG_GETARG_BOOL(3);
		changed = true;
	}
	if (!PG_ARGISNULL(4))
	{
		char	   *comment = text_to_cstring(PG_GETARG_TEXT_PP(4));

		row->comment = comment[0] ? comment : NULL;
		changed = true;
	}
	if (newname && strcmp(newname, name) != 0)
	{
		if (ConnCatalogFetch(newname, CurrentMemoryContext) != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("connection \"%s\" already exists", newname)));
		reservation = ConnDependCheckReservation(newname);
		ConnDependBeforeRename(row, newname);
		row->name = newname;
		changed = true;
	}
	if (!PG_ARGISNULL(6))
	{
		Oid			newowner = PG_GETARG_OID(6);

		if (newowner != row->owner)
		{
			/* like ALTER ... OWNER TO: only to a role one belongs to */
			if (!superuser())
				check_is_member_of_role(GetUserId(), newowner);
			ConnChangeOwner(row, newowner);
			changed = true;
		}
	}

	if (changed)
	{
		row->modified = now_ms();
		ConnCatalogUpdate(row);
		if (reservation)
			ConnDependAdopt(reservation, row->id);
		ConnCacheInvalidate();
	}
	/* new properties, or enabled again: do they work? */
	if (row->enabled && (set || unset || (!PG_ARGISNULL(3) && PG_GETARG_BOOL(3))))
		ConnValidateOnChange(row->name);
	PG_RETURN_VOID();
}

/*
 * ConnDrop
 *		drop() for callers in C.  With category (upper case), the connection
 *		must be of that category (the typed DROP of the original dialect).
 */
void
ConnDrop(const char *name, bool if_exists, bool force, const char *category)
{
	ConnRow    *row;

	PreventCommandIfReadOnly("connection.drop()");
	check_owner_unlocked(name);
	ConnCatalogLockNames(name, NULL);
	row = ConnCatalogFetch(name, CurrentMemoryContext);
	if (row == NULL)
	{
		if (!if_exists)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("connection \"%s\" does not exist", name)));
		ConnCatalogUnlockName(name, AccessExclusiveLock);
		ereport(NOTICE,
				(errmsg("connection \"%s\" does not exist, skipping", name)));
		return;
	}
	if (category && strcmp(category, row->type->category) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("connection \"%s\" is a %s connection, not %s",
						name, row->type->category, category)));
	ConnCheckOwner(row);
	ConnDependBeforeDrop(row, force);
	ConnCatalogDelete(row);
	ConnCacheInvalidate();
}

/*
 * connection.drop(name, if_exists, force)
 */
Datum
connection_drop(PG_FUNCTION_ARGS)
{
	char	   *name = ConnArgName(fcinfo, 0);
	bool		if_exists = arg_bool(fcinfo, 1, "if_exists");
	bool		force = arg_bool(fcinfo, 2, "force");

	ConnDrop(name, if_exists, force, NULL);
	PG_RETURN_VOID();
}

/*
 * connection.rotate_key()
 *		Re-encrypt every connection whose ciphertext is not under the current
 *		key, or not in the current format (crypto.c).  Keys are read afresh
 *		first.  Returns the number re-encrypted.
 */
Datum
connection_rotate_key(PG_FUNCTION_ARGS)
{
	ConnRow    *row;
	List	   *todo = NIL;
	ListCell   *lc;
	const char *current;

	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be superuser to rotate connection keys")));
	PreventCommandIfReadOnly("connection.rotate_key()");

	ConnKeysInvalidate();
	current = ConnCurrentFingerprint();

	/* ExclusiveLock: writers wait, readers go on */
	foreach(lc, ConnCatalogAllRows(ExclusiveLock))
	{
		row = lfirst(lc);
		if (row->secrets && (strcmp(row->key_fingerprint, current) != 0 ||
							 !ConnCiphertextIsCurrent(row->secrets)))
			todo = lappend(todo, row);
	}

	foreach(lc, todo)
	{
		ConnProps	props;

		row = lfirst(lc);
		ConnRowProps(row, &props, true);
		row->secrets = ConnEncryptProps(row->id, &props, &row->key_fingerprint);
		ConnWipeProps(&props);
		ConnCatalogUpdate(row);
	}
	ConnCacheInvalidate();
	PG_RETURN_INT64(list_length(todo));
}
