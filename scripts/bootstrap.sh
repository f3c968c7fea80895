#!/usr/bin/env bash
# Sourced by run.sh and test.sh: finds Python >= 3.13, creates .venv, installs the
# pinned requirements when they changed, and makes sure redis-server is installed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
cd "$ROOT"
mkdir -p "$ROOT/var"

say() { printf '\033[1;34m[socap]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[socap]\033[0m %s\n' "$*" >&2; exit 1; }

python_ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 13) else 1)' 2>/dev/null; }

find_python() {
  local candidates=()
  [ -n "${SOCAP_PYTHON:-}" ] && candidates+=("$SOCAP_PYTHON")
  candidates+=(python3.14 python3.13 python3)
  local pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
  if [ -d "$pyenv_root/versions" ]; then
    while IFS= read -r dir; do candidates+=("$dir/bin/python3"); done \
      < <(ls -d "$pyenv_root"/versions/3.1[3-9]* 2>/dev/null | sort -rV)
  fi
  for c in "${candidates[@]}"; do
    local path
    path="$(command -v "$c" 2>/dev/null || true)"
    [ -n "$path" ] && python_ok "$path" && { echo "$path"; return 0; }
  done
  return 1
}

ensure_venv() {
  if [ -x "$VENV/bin/python" ] && python_ok "$VENV/bin/python"; then return 0; fi
  local py
  py="$(find_python)" || die "Python 3.13 or newer is required and none was found.
  Install one, then rerun:  pyenv install 3.13   (or: apt-get install python3.13 on Debian 13+)
  or point SOCAP_PYTHON at an interpreter:  SOCAP_PYTHON=/path/to/python3.13 $0"
  say "creating .venv with $py ($("$py" --version))"
  rm -rf "$VENV"
  "$py" -m venv "$VENV"
}

# pip.conf on some machines names local mirror folders that may be absent; pip
# warns once per package about them. Drop that noise, keep pip's exit status.
pip_quiet() {
  "$VENV/bin/python" -m pip --quiet --disable-pip-version-check "$@" 2> >(grep -v "^WARNING: Location" >&2)
}

ensure_requirements() {
  local stamp="$VENV/.requirements.sha256" want
  want="$(cat requirements.txt constraints.txt | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  say "installing pinned Python packages (requirements.txt + constraints.txt)"
  pip_quiet install -r requirements.txt -c constraints.txt || die "pip could not install the pinned requirements (see above)."
  echo "$want" > "$stamp"
}

apt_install() {
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  command -v apt-get >/dev/null || die "apt-get not found: install $* with your package manager."
  say "installing Debian package(s): $*"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

ensure_redis_server() {
  if [ -z "${REDIS_URL:-}" ] && ! command -v redis-server >/dev/null; then
    apt_install redis-server
  fi
}

# Headless Chromium prints report PDFs and runs the browser tests.
ensure_chromium() {
  if [ "${SOCAP_SKIP_CHROMIUM:-0}" != "1" ] && ! command -v chromium >/dev/null; then
    apt_install chromium
  fi
}

if [ -f "$ROOT/.env" ]; then
  set -a; . "$ROOT/.env"; set +a
fi
ensure_venv
ensure_requirements
ensure_redis_server
ensure_chromium
export PATH="$VENV/bin:$PATH"
