# test/lib.sh - set-up shared by test/run.sh and test/demo.sh
#
# On a fresh Debian 12 machine: installs the apt packages the build and the
# tests need (when run as root) and the S3 server of the tests (from the npm
# registry), makes sure the "postgres" user exists,
# builds the extension and installs it.  As root it installs into the
# system's PostgreSQL; as an ordinary user who cannot write there, into a
# private copy of the PostgreSQL installation under the build directory
# (PostgreSQL finds its share and lib directories relative to its binaries,
# so the copy is self-contained).
#
# Throwaway clusters never run as root: conn_as_runner runs a command as the
# "postgres" user when we are root, and as ourselves otherwise.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_MAJOR=${PG_MAJOR:-15}
APT_PACKAGES="make gcc libc6-dev clang libclang-rt-14-dev perl libipc-run-perl postgresql-$PG_MAJOR postgresql-contrib postgresql-server-dev-$PG_MAJOR libcurl4-openssl-dev librdkafka-dev openssl libssl-dev zlib1g-dev python3 locales nodejs"

# The S3 server of the tests: s3rver, which checks Signature V4, from the
# npm registry (test/s3/s3rver.js starts it); 4.0.4 runs on Node.js 20.
S3RVER_PACKAGE="@20minutes/s3rver@4.0.4"

log() { printf '==> %s\n' "$*" >&2; }

conn_install_packages() {
    local missing="" p
    for p in $APT_PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "missing packages:$missing (run as root, or: sudo apt-get install$missing)" >&2
        exit 1
    fi
    log "installing packages:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# The log-hygiene test also runs in German (translated lc_messages): as
# root, make the locale if the system lacks it (the test skips it otherwise).
conn_ensure_locale() {
    [ "$(id -u)" = 0 ] || return 0
    locale -a 2>/dev/null | grep -qi '^de_DE\.utf-\?8$' && return 0
    log "generating the de_DE.UTF-8 locale"
    localedef -i de_DE -c -f UTF-8 de_DE.UTF-8 >/dev/null 2>&1 || true
}

# Install s3rver (once) where the cluster's user can read it; exports
# S3RVER_NODE_PATH, the node_modules that test/t/011_objects.pl gives Node.
conn_install_s3rver() {
    local dir
    if [ "$(id -u)" = 0 ]; then
        dir=/var/tmp/connection-s3rver
    else
        dir=$ROOT/tmp_s3rver
    fi
    if [ ! -f "$dir/node_modules/@20minutes/s3rver/package.json" ]; then
        if ! command -v npm >/dev/null 2>&1; then
            [ "$(id -u)" = 0 ] || { echo "npm is missing (run as root, or: sudo apt-get install npm)" >&2; exit 1; }
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
        fi
        log "installing $S3RVER_PACKAGE from the npm registry into $dir"
        mkdir -p "$dir"
        npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "$S3RVER_PACKAGE" >/dev/null
        chmod -R a+rX "$dir"
    fi
    export S3RVER_NODE_PATH="$dir/node_modules"
}

conn_ensure_postgres_user() {
    [ "$(id -u)" = 0 ] || return 0
    id postgres >/dev/null 2>&1 ||
        useradd --system --user-group --home-dir /var/lib/postgresql --create-home --shell /bin/bash postgres
}

# Build and install; sets PG_CONFIG and PATH (binaries that see the extension).
conn_build_install() {
    PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config
    [ -x "$PG_CONFIG" ] || { echo "PostgreSQL $PG_MAJOR server development files not found" >&2; exit 1; }
    local bindir sharedir pkglibdir
    bindir=$($PG_CONFIG --bindir)
    sharedir=$($PG_CONFIG --sharedir)
    pkglibdir=$($PG_CONFIG --pkglibdir)

    log "building"
    make -C "$ROOT" -s PG_CONFIG="$PG_CONFIG" with_llvm=no >/dev/null

    if [ -w "$sharedir/extension" ] && [ -w "$pkglibdir" ]; then
        log "installing into $sharedir and $pkglibdir"
        make -C "$ROOT" -s PG_CONFIG="$PG_CONFIG" with_llvm=no install >/dev/null
        export PATH="$bindir:$PATH"
    else
        local prefix="$ROOT/tmp_install"
        log "installing into a private copy of PostgreSQL under $prefix"
        if [ ! -x "$prefix$bindir/postgres" ]; then
            rm -rf "$prefix"
            mkdir -p "$prefix$bindir" "$prefix$sharedir" "$prefix$pkglibdir"
            cp -a "$bindir/." "$prefix$bindir/"
            cp -a "$sharedir/." "$prefix$sharedir/"
            cp -a "$pkglibdir/." "$prefix$pkglibdir/"
        fi
        make -C "$ROOT" -s PG_CONFIG="$PG_CONFIG" with_llvm=no DESTDIR="$prefix" install >/dev/null
        export PATH="$prefix$bindir:$PATH"
    fi
    export PG_CONFIG
}

# A directory the cluster's user can write, holding a copy of the tree when
# that user is not us.  Sets WORKDIR.
conn_workdir() {
    if [ "$(id -u)" = 0 ]; then
        WORKDIR=$(mktemp -d /tmp/connection.XXXXXX)
        cp -a "$ROOT/." "$WORKDIR/"
        chown -R postgres: "$WORKDIR"
    else
        WORKDIR=$ROOT
    fi
    export WORKDIR
}

# Run a command as the user that owns throwaway clusters.
conn_as_runner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- env PATH="$PATH" PG_CONFIG="$PG_CONFIG" HOME=/tmp \
            S3RVER_NODE_PATH="${S3RVER_NODE_PATH:-}" "$@"
    else
        "$@"
    fi
}

# Stop the throwaway cluster in DIR and remove it, with the work copy (root).
conn_cleanup_cluster() {
    conn_as_runner pg_ctl -D "$1/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$1"
    [ "$(id -u)" = 0 ] && rm -rf "$WORKDIR"
    return 0
}

conn_setup() {
    conn_install_packages
    conn_ensure_locale
    conn_install_s3rver
    conn_ensure_postgres_user
    conn_build_install
    conn_workdir
}
