#!/usr/bin/env bash
# Sourced by run.sh: starts the embedded stores this machine needs and stops
# them on exit. A store given by URL (REDIS_URL, MONGODB_URI) is used as it is.

STORE_PIDS=()

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Something listens on the port: reuse it only if it is what we expect (Redis PING + INFO server,
# MongoDB hello, the simulator's and the sinks' identity endpoints); otherwise stop and say who
# answered. A bare TCP connect would adopt a foreign or dying process.
adopt_or_die() {
  local kind="$1" port="$2" name="$3" said
  if said="$(python "$ROOT/scripts/identify_port.py" "$kind" "$port" 2>&1)"; then
    say "using the $name already on 127.0.0.1:$port ($said)"
    return 0
  fi
  die "port $port is taken, but not by $name: $said.
  Stop that process, or pick another port for $name (see .env.example)."
}

stop_stores() {
  for pid in "${STORE_PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  for pid in "${STORE_PIDS[@]:-}"; do
    [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
  done
}

wait_port() {
  local port="$1" name="$2"
  for _ in $(seq 1 100); do port_open "$port" && return 0; sleep 0.2; done
  die "$name did not start on port $port (see var/log/$name.log)"
}

start_simulator() {
  [ -n "${X_API_KEY:-}" ] && return 0
  local port="${SOCAP_SIMULATOR_PORT:-8765}"
  if port_open "$port"; then
    adopt_or_die simulator "$port" "X API simulator"
    return 0
  fi
  say "no X_API_KEY: starting the local X API simulator on 127.0.0.1:$port (scenario ${SOCAP_DEMO_SCENARIO:-demo}," \
    "clock x${SOCAP_DEMO_CLOCK_FACTOR:-1})"
  python -m fakes.x_api --port "$port" --scenario "${SOCAP_DEMO_SCENARIO:-demo}" --clock realtime \
    --speed "${SOCAP_DEMO_CLOCK_FACTOR:-1}" \
    --launch-ago-hours "${SOCAP_DEMO_LAUNCH_AGO_HOURS:-5}" >"var/log/simulator.log" 2>&1 &
  STORE_PIDS+=($!)
  wait_port "$port" simulator
}

start_sinks() {
  # With no real SMTP server configured, alerts go to local stand-ins for Slack and SMTP.
  [ -n "${EMAIL_HOST:-}" ] && return 0
  local http="${SOCAP_SINK_HTTP_PORT:-8766}" smtp="${EMAIL_PORT:-1025}"
  if port_open "$http"; then
    adopt_or_die sinks "$http" "alert sinks"
    return 0
  fi
  say "starting local alert sinks: Slack webhooks on 127.0.0.1:$http, SMTP on 127.0.0.1:$smtp"
  python -m fakes.alert_sinks --http-port "$http" --smtp-port "$smtp" --data-dir "$ROOT/var/sinks" \
    >"var/log/sinks.log" 2>&1 &
  STORE_PIDS+=($!)
  wait_port "$http" sinks
}

start_stores() {
  mkdir -p var/log var/redis var/mongo
  if [ -z "${REDIS_URL:-}" ]; then
    local redis_port="${SOCAP_DEV_REDIS_PORT:-6379}"
    if port_open "$redis_port"; then
      adopt_or_die redis "$redis_port" Redis
    else
      say "starting redis-server on 127.0.0.1:$redis_port (data in var/redis)"
      redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$ROOT/var/redis" \
        --appendonly yes --save "" --daemonize no >"var/log/redis.log" 2>&1 &
      STORE_PIDS+=($!)
      wait_port "$redis_port" redis
    fi
    export REDIS_URL="redis://127.0.0.1:$redis_port/0"
  fi
  if [ -z "${MONGODB_URI:-}" ]; then
    local port="${SOCAP_EMBEDDED_MONGO_PORT:-27027}"
    if port_open "$port"; then
      adopt_or_die mongo "$port" "MongoDB-compatible server"
    else
      say "starting the embedded MongoDB-compatible server (SecantusDB on WiredTiger) on 127.0.0.1:$port (data in var/mongo)"
      # A separate server process, like mongod: the project never imports it (GPL-2.0-only).
      secantusd-py --host 127.0.0.1 --port "$port" --storage-path "$ROOT/var/mongo/data" --log-level WARNING \
        >"var/log/mongo.log" 2>&1 &
      STORE_PIDS+=($!)
      wait_port "$port" mongo
    fi
  fi
}
