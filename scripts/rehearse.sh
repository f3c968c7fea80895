#!/usr/bin/env bash
# The production topology on one machine, with real processes, from a campaign's creation to its
# completion at an accelerated clock; kill -9 of a worker and a Beat mid-way; every result checked
# against the simulator's ground truth. Prints a summary table, exits non-zero on any difference.
# Not part of ./scripts/test.sh (about 7 minutes on 2 cores). Ports 9301-9312 on 127.0.0.1.
#
#   ./scripts/rehearse.sh            logs and data under var/rehearsal/ (kept for reading afterwards)
set -euo pipefail
. "$(dirname "$0")/bootstrap.sh"
. "$ROOT/scripts/postgres.sh"

BASE="$ROOT/var/rehearsal"
rm -rf "$BASE/run"
mkdir -p "$BASE/run"
trap postgres_stop EXIT
SOCAP_TEST_POSTGRES_PORT="${SOCAP_REHEARSAL_POSTGRES_PORT:-9301}" postgres_start "$BASE/postgres"
# A fresh database per rehearsal, beside the default one.
PG_BIN="$(postgres_bin)"
PG_HOSTPORT="${DATABASE_URL#postgres://socap@}"; PG_HOSTPORT="${PG_HOSTPORT%%/*}"
"$PG_BIN/dropdb" -h "${PG_HOSTPORT%%:*}" -p "${PG_HOSTPORT##*:}" -U socap --if-exists socap_rehearsal
"$PG_BIN/createdb" -h "${PG_HOSTPORT%%:*}" -p "${PG_HOSTPORT##*:}" -U socap socap_rehearsal
export DATABASE_URL="postgres://socap@$PG_HOSTPORT/socap_rehearsal"
say "PostgreSQL for the rehearsal: $DATABASE_URL"

set +e
python "$ROOT/scripts/rehearsal.py" --base "$BASE/run" "$@"
status=$?
set -e
exit $status
