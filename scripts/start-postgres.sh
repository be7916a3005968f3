#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite, in a directory of its own.
#
#   scripts/start-postgres.sh [DIR]        start it; prints the URL for TEST_DATABASE_URL
#   scripts/start-postgres.sh stop DIR     stop it and delete DIR
#
# Then:  TEST_DATABASE_URL=$(scripts/start-postgres.sh) make test
#
# The tests create (and drop) fresh databases on this server, so nothing else is needed.
# Needs Debian's postgresql package (PostgreSQL 15). initdb and pg_ctl refuse to run as
# root, so as root the server runs as the "postgres" user. Trust authentication and a
# listener on 127.0.0.1 only: a test server, never a real one.
# Environment: PGPORT (default 55432), PG_BIN (default: the newest /usr/lib/postgresql/*/bin).
set -euo pipefail

PORT="${PGPORT:-55432}"

pg_bin() {
    if [[ -n "${PG_BIN:-}" ]]; then
        echo "$PG_BIN"
        return
    fi
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -z "$dir" || ! -x "$dir/initdb" ]]; then
        echo "PostgreSQL is not installed: apt-get install -y postgresql" >&2
        exit 1
    fi
    echo "$dir"
}

as_owner() {
    # Run a PostgreSQL tool as the data directory's owner.
    if [[ "$(id -u)" == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

stop() {
    local dir="$1"
    local bin
    bin=$(pg_bin)
    if [[ ! -f "$dir/initdb.log" ]]; then
        echo "$dir was not made by this script: leaving it alone" >&2
        exit 1
    fi
    if [[ -f "$dir/data/postmaster.pid" ]]; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
    fi
    rm -rf -- "$dir"
}

start() {
    local dir="${1:-}"
    local bin
    bin=$(pg_bin)
    if [[ -z "$dir" ]]; then
        dir=$(mktemp -d -t portal-postgres-XXXXXX)
    fi
    mkdir -p "$dir"
    if [[ "$(id -u)" == 0 ]]; then
        chown postgres:postgres "$dir"
        if ! runuser -u postgres -- test -w "$dir"; then
            echo "The postgres user cannot write to $dir: choose a directory whose parents it may enter" >&2
            exit 1
        fi
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
        echo "Port $PORT is already in use: stop that server or set PGPORT" >&2
        exit 1
    fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    # fsync off: a test server that is thrown away after the run need not survive a crash.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
        -o "-p $PORT -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >&2 || { cat "$dir/log" >&2; exit 1; }
    echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') is running in $dir on port $PORT." >&2
    echo "Stop it with: $0 stop $dir" >&2
    echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
}

case "${1:-}" in
    stop)
        [[ -n "${2:-}" ]] || { echo "usage: $0 stop DIR" >&2; exit 2; }
        stop "$2"
        ;;
    -h|--help)
        sed -n '2,13p' "$0"
        ;;
    *)
        start "${1:-}"
        ;;
esac
