#!/usr/bin/env bash
# Installs what is missing, lints (ruff, ruff.toml) and runs the whole test suite on PostgreSQL
# (a local server started here unless DATABASE_URL names one). Extra args go to pytest.
set -euo pipefail
. "$(dirname "$0")/bootstrap.sh"
. "$ROOT/scripts/postgres.sh"
if ! ruff check .; then
  echo "ruff check failed: fix the findings above (rules in ruff.toml)" >&2
  exit 1
fi
export SOCAP_ENV=test
if [ -z "${DATABASE_URL:-}" ]; then
  postgres_start
  trap postgres_stop EXIT
fi
set +e
python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: treating as a failure" >&2
  exit 1
fi
exit "$status"
