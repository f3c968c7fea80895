#!/usr/bin/env bash
# Sourced (after bootstrap.sh) by test.sh and the rehearsal: a throwaway PostgreSQL server for
# this checkout, on a side port with its data under var/, so that Django's tables are tested on
# the database production runs.
#
#   postgres_start [data-dir]   installs Debian postgresql when missing, starts the server
#                               unless it is already running, exports DATABASE_URL
#   postgres_stop               stops the server if postgres_start started it
#
# PostgreSQL refuses to run as root: as root (CI) initdb and the server run as the `postgres`
# system user, which owns the data directory.

POSTGRES_STARTED_DIR=""

postgres_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$dir" ] && [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  return 1
}

ensure_postgres_server() {
  postgres_bin >/dev/null && return 0
  apt_install postgresql
  postgres_bin >/dev/null || die "postgresql is installed but no /usr/lib/postgresql/*/bin/pg_ctl was found."
}

# Runs a PostgreSQL program as the user that owns the cluster.
as_pg_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

postgres_free_port() {
  python - <<'PY'
import socket
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
PY
}

postgres_start() {
  local base="${1:-$ROOT/var/postgres-test}" bin port user
  ensure_postgres_server
  bin="$(postgres_bin)"
  local data="$base/data" log="$base/server.log"
  mkdir -p "$base"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$base" && chmod 700 "$base"
  user="$(id -un)"
  [ "$(id -u)" -eq 0 ] && user="postgres"
  if [ ! -f "$data/PG_VERSION" ]; then
    say "creating a PostgreSQL cluster in ${base#"$ROOT"/} (owner: $user)"
    as_pg_owner "$bin/initdb" -D "$data" -U socap --auth=trust -E UTF8 --locale=C.UTF-8 >"$base/initdb.log" 2>&1 \
      || die "initdb failed (see $base/initdb.log)"
  fi
  if as_pg_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    # Already running (another run from this checkout): use it, leave stopping to its starter.
    port="$(sed -n 4p "$data/postmaster.pid")"
    say "using the PostgreSQL already running from ${base#"$ROOT"/} on 127.0.0.1:$port"
  else
    port="${SOCAP_TEST_POSTGRES_PORT:-$(postgres_free_port)}"
    say "starting PostgreSQL on 127.0.0.1:$port (data in ${base#"$ROOT"/})"
    # Loopback only, socket in the data dir (no /run/postgresql needed), no fsync: test data.
    as_pg_owner "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 \
      -o "-h 127.0.0.1 -p $port -k $data -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null || die "PostgreSQL did not start (see $log)"
    POSTGRES_STARTED_DIR="$data"
  fi
  # Trust on loopback: the database is for tests and rehearsals on this machine only.
  "$bin/createdb" -h 127.0.0.1 -p "$port" -U socap socap 2>/dev/null || true
  export DATABASE_URL="postgres://socap@127.0.0.1:$port/socap"
}

postgres_stop() {
  [ -n "$POSTGRES_STARTED_DIR" ] || return 0
  as_pg_owner "$(postgres_bin)/pg_ctl" -D "$POSTGRES_STARTED_DIR" -m fast -w stop >/dev/null 2>&1 || true
  POSTGRES_STARTED_DIR=""
}
