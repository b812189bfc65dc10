#!/usr/bin/env bash
# test/run.sh - run every test of the extension on this machine.
#
# Set-up as in test/lib.sh, then: the unit tests of the dialect parser and
# of the request signers (against the providers' published examples),
# a bounded libFuzzer run of it (FUZZ_SECONDS, default 60, with ASan and
# UBSan), and, each against its own temporary instance, the pg_regress
# suites (sql/, expected/), the isolation specs (test/isolation/) and the
# TAP tests (test/t/).  Exits non-zero on any
# failure, after printing the regression diffs.
. "$(dirname "$0")/lib.sh"

conn_setup
log "running tests in $WORKDIR"
status=0
for target in test-dialect test-sign test-fuzz test-regress test-isolation test-tap; do
    if ! conn_as_runner make -C "$WORKDIR" -s PG_CONFIG="$PG_CONFIG" with_llvm=no "$target"; then
        status=1
        for f in "$WORKDIR/regression.diffs" "$WORKDIR/output_iso/regression.diffs"; do
            [ -s "$f" ] && { echo "---- $f"; cat "$f"; }
        done
        for f in "$WORKDIR"/tmp_check/log/regress_log_*; do
            [ -f "$f" ] && [ "$target" = test-tap ] && { echo "---- $f (tail)"; tail -n 40 "$f"; }
        done
    fi
done
if [ "$(id -u)" = 0 ] && [ $status = 0 ]; then
    rm -rf "$WORKDIR"
fi
[ $status = 0 ] && log "all tests passed" || log "tests FAILED (work directory: $WORKDIR)"
exit $status
