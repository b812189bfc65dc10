# Makefile for the connection extension (PGXS)

MODULE_big = connection
OBJS = \
	src/connection.o \
	src/guc.o \
	src/wipe.o \
	src/registry.o \
	src/catalog.o \
	src/cache.o \
	src/crypto.o \
	src/privileges.o \
	src/hooks.o \
	src/depend.o \
	src/dialect.o \
	src/execute.o \
	src/redact.o \
	src/commands.o \
	src/describe.o \
	src/credentials.o \
	src/sign.o \
	src/http.o \
	src/provider.o \
	src/aws.o \
	src/aliyun.o \
	src/tencent.o \
	src/sts.o \
	src/stscache.o \
	src/storage.o \
	src/presign.o \
	src/objects.o \
	src/transfer.o \
	src/kafka.o \
	src/hms.o \
	src/validate.o
PGFILEDESC = "connection - named CONNECTION objects with encrypted credentials"

EXTENSION = connection
DATA = connection--1.0.sql connection--1.0--1.1.sql

# pg_regress suites (sql/, expected/), in order
REGRESS = setup types create show desc alter drop credentials sts privileges dependencies boundary objects execute badinput

# isolation specs live under test/isolation
ISOLATION = create_race dependency_race outsider_locks known_empty create_vs_load
ISOLATION_OPTS = --inputdir=test/isolation --load-extension=pgcrypto

# TAP tests live under test/t
TAP_TESTS = 1
PROVE_TESTS = test/t/*.pl
PROVE_FLAGS = --timer

EXTRA_CLEAN = tmp_conf output_iso tmp_fuzz

# requests go through libcurl; gzip objects through zlib
SHLIB_LINK = -lcurl -lz -lrdkafka

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
.PHONY: test-regress test-isolation test-tap test-dialect test-sign test-fuzz test-all

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

# The dialect parser on its own: unit tests, and libFuzzer with ASan+UBSan
# (clang) for FUZZ_SECONDS.
FUZZ_SECONDS ?= 60

test-dialect:
	@mkdir -p tmp_fuzz
	$(CC) -Wall -Wextra -g -I$(srcdir)/src -o tmp_fuzz/test_dialect \
		test/dialect/test_dialect.c src/dialect.c
	tmp_fuzz/test_dialect

# The request signers on their own, against the providers' published
# examples: a frontend build against PostgreSQL's libpgcommon.
test-sign:
	@mkdir -p tmp_fuzz
	$(CC) -Wall -Wextra -g -DFRONTEND -I$(srcdir)/src -I$(includedir_server) -I$(includedir_internal) \
		-o tmp_fuzz/test_sign test/sign/test_sign.c src/sign.c \
		-L$(pkglibdir) -lpgcommon -lpgport -lssl -lcrypto -lm
	tmp_fuzz/test_sign

test-fuzz:
	@mkdir -p tmp_fuzz/corpus
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-I$(srcdir)/src -o tmp_fuzz/fuzz_dialect test/fuzz/fuzz_dialect.c src/dialect.c
	cp test/fuzz/corpus/* tmp_fuzz/corpus/
	tmp_fuzz/fuzz_dialect -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
		-print_final_stats=1 tmp_fuzz/corpus > tmp_fuzz/fuzz.log 2>&1; \
		status=$$?; tail -n 6 tmp_fuzz/fuzz.log; exit $$status

test-all: test-dialect test-sign test-fuzz test-regress test-isolation test-tap

# PGXS does not track headers: rebuild every object when one changes
$(OBJS): $(wildcard $(srcdir)/src/*.h)
