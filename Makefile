# Makefile for the connection extension (PGXS)

MODULE_big = connection
OBJS = \
	src/connection.o \
	src/guc.o \
	src/registry.o \
	src/catalog.o \
	src/cache.o \
	src/crypto.o \
	src/privileges.o \
	src/hooks.o \
	src/depend.o \
	src/redact.o \
	src/commands.o \
	src/describe.o \
	src/credentials.o
PGFILEDESC = "connection - named CONNECTION objects with encrypted credentials"

EXTENSION = connection
DATA = connection--1.0.sql

# pg_regress suites (sql/, expected/), in order
REGRESS = setup types create show desc alter drop credentials privileges dependencies badinput

# isolation specs live under test/isolation
ISOLATION = create_race dependency_race
ISOLATION_OPTS = --inputdir=test/isolation --load-extension=pgcrypto

# TAP tests live under test/t
TAP_TESTS = 1
PROVE_TESTS = test/t/*.pl
PROVE_FLAGS = --timer

EXTRA_CLEAN = tmp_conf output_iso

# Temp instances of the tests get a freshly generated key.
TEMP_CONFIG = $(CURDIR)/tmp_conf/test.conf

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

override CPPFLAGS := -I$(srcdir)/src $(CPPFLAGS)

# ---------------------------------------------------------------------------
# Tests against temporary instances, with the binaries found in PATH
# (test/run.sh sets everything up; see README.md).
# ---------------------------------------------------------------------------
.PHONY: test-regress test-isolation test-tap test-all

$(TEMP_CONFIG):
	@mkdir -p tmp_conf && chmod 700 tmp_conf
	@umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > tmp_conf/test.key && echo >> tmp_conf/test.key
	@echo "connection.key_file = '$(CURDIR)/tmp_conf/test.key'" > $@

test-regress: $(TEMP_CONFIG)
	$(pg_regress_check) $(REGRESS_OPTS) $(REGRESS)

test-isolation: $(TEMP_CONFIG)
	$(pg_isolation_regress_check) $(ISOLATION_OPTS) $(ISOLATION)

test-tap:
	rm -rf '$(CURDIR)'/tmp_check && mkdir -p '$(CURDIR)'/tmp_check
	TESTDIR='$(CURDIR)' PG_REGRESS='$(top_builddir)/src/test/regress/pg_regress' \
		$(PROVE) $(PG_PROVE_FLAGS) $(PROVE_FLAGS) $(PROVE_TESTS)

test-all: test-regress test-isolation test-tap
