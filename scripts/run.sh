#!/usr/bin/env bash
# Runs the whole system: stores, web, Celery worker and Celery Beat. Ctrl-C stops all.
set -euo pipefail
. "$(dirname "$0")/bootstrap.sh"
. "$ROOT/scripts/stores.sh"

export SOCAP_ENV="${SOCAP_ENV:-dev}"
BIND="${SOCAP_BIND:-127.0.0.1:8000}"
refuse_public_dev_bind() {
  # Outside production the site runs with the dev secret key, the dev trigger secret and the
  # admin/socap-admin account: it must not be reachable from other machines.
  [ "$SOCAP_ENV" = "production" ] && return 0
  local host="${BIND%:*}"
  host="${host#[}"; host="${host%]}"
  case "$host" in
    127.*|localhost|::1|unix) return 0 ;;
  esac
  die "SOCAP_BIND=$BIND would serve this $SOCAP_ENV setup (dev secret key, dev trigger secret, admin/socap-admin)
  to other machines. Bind to 127.0.0.1 (e.g. SOCAP_BIND=127.0.0.1:8000), or run with SOCAP_ENV=production
  and its required settings (see README, Production)."
}
refuse_public_dev_bind
if [ -z "${X_API_KEY:-}" ]; then
  # Demo: the simulated launch runs 30x real time, so its charts fill in minutes; one poll
  # covers 30 simulated minutes (1 real minute at 30x; 5 minutes on a real-time clock).
  export SOCAP_DEMO_CLOCK_FACTOR="${SOCAP_DEMO_CLOCK_FACTOR:-30}"
  DEMO_POLL=$(python -c "f = float('$SOCAP_DEMO_CLOCK_FACTOR'); print(f'{30 / f:g}' if f > 1 else 5)")
  export SOCAP_POLL_INTERVAL_MINUTES="${SOCAP_POLL_INTERVAL_MINUTES:-$DEMO_POLL}"
else
  export SOCAP_DEMO_CLOCK_FACTOR=1
fi
export SOCAP_POLL_INTERVAL_MINUTES="${SOCAP_POLL_INTERVAL_MINUTES:-30}"
export SOCAP_SITE_URL="${SOCAP_SITE_URL:-http://$BIND}"

APP_PID=""
stop_all() {
  if [ -n "$APP_PID" ]; then
    kill -TERM "$APP_PID" 2>/dev/null || true
    wait "$APP_PID" 2>/dev/null || true
  fi
  stop_stores
}
trap stop_all EXIT
trap 'exit 130' INT TERM
start_stores
start_simulator
start_sinks

python manage.py socap_wait_for_stores --timeout 60
python manage.py migrate --noinput
python manage.py socap_init_db
python manage.py socap_setup_schedules
python manage.py socap_ensure_superuser
if [ -z "${X_API_KEY:-}" ]; then
  say "X API: the local simulator (set X_API_KEY to use twitterapi.io)"
  python manage.py socap_demo
fi

cat <<MSG

  SOCAP is starting.
    Admin:        $SOCAP_SITE_URL/admin/
    New campaign: $SOCAP_SITE_URL/socap/create
    Health:       $SOCAP_SITE_URL/socap/health
    Alerts sent:  http://127.0.0.1:${SOCAP_SINK_HTTP_PORT:-8766}/  (local Slack/SMTP stand-ins)
  Press Ctrl-C to stop everything.

MSG
if [ -z "${X_API_KEY:-}" ] && python -c "import sys; sys.exit(float('$SOCAP_DEMO_CLOCK_FACTOR') <= 1)"; then
  cat <<MSG
  Demo clock ACCELERATED: the simulated X data runs ${SOCAP_DEMO_CLOCK_FACTOR}x real time (one real minute is
  ${SOCAP_DEMO_CLOCK_FACTOR} simulated minutes; the 3-day launch replays in $(python -c "print(f'{(72 - ${SOCAP_DEMO_LAUNCH_AGO_HOURS:-5}) / float('$SOCAP_DEMO_CLOCK_FACTOR'):.1f}')") hours).
  Polls every ${SOCAP_POLL_INTERVAL_MINUTES} min. Times on the dashboard are simulated. Real time: SOCAP_DEMO_CLOCK_FACTOR=1.

MSG
fi
# In the background so that a TERM to this script reaches the trap at once.
SOCAP_BIND="$BIND" honcho start -f "$ROOT/Procfile" -d "$ROOT" &
APP_PID=$!
wait "$APP_PID"
