#!/usr/bin/env bash
# test.sh - set everything up (system packages, virtualenv, real servers on loopback) and run
# the whole test suite: lint, types, import contracts, then pytest (unit, integration, ui, e2e).
#
# Usage: bash scripts/test.sh [PYTEST ARGS...]      (as root on Debian 12; CI runs exactly this)
# Env:   SKIP_SETUP=1     do not run scripts/setup.sh first (a warm developer machine)
#        KEEP_SERVICES=1  leave the servers running afterwards (faster reruns)
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV=${VENV:-$ROOT/.venv}
export VENV
T0=$(date +%s)
step() { echo; echo "=== $* ($(date +%T))"; }

if [ "${SKIP_SETUP:-0}" != 1 ]; then
  bash scripts/setup.sh test || { echo "test.sh: setup failed" >&2; exit 1; }
fi
PATH="$VENV/bin:$PATH"
export PATH

failed=()
step "ruff"
ruff check . && ruff format --check . || failed+=(ruff)
step "mypy"
mypy || failed+=(mypy)
step "import-linter"
lint-imports || failed+=(import-linter)

step "services"
export KIOSK_SERVICES_RUN=${KIOSK_SERVICES_RUN:-/tmp/kiosk-services}
if ! RUN="$KIOSK_SERVICES_RUN" bash scripts/services.sh start; then
  echo "test.sh: the test servers did not start" >&2
  exit 1
fi
if [ "${KEEP_SERVICES:-0}" != 1 ]; then
  trap 'RUN="$KIOSK_SERVICES_RUN" bash scripts/services.sh stop >/dev/null 2>&1' EXIT
fi

step "pytest"
export KIOSK_SERVICES_ENV="$KIOSK_SERVICES_RUN/env.sh" KIOSK_REQUIRE_SERVICES=1
export QT_QPA_PLATFORM=offscreen no_proxy='*' NO_PROXY='*'
python -m pytest -p no:cacheprovider "$@"
rc=$?
[ $rc = 0 ] || failed+=("pytest (exit $rc)")

step "Debian package (scripts/package-test.sh)"
bash scripts/package-test.sh || failed+=(package-test)

echo
echo "test.sh: finished in $(( $(date +%s) - T0 )) s"
if ((${#failed[@]})); then
  echo "test.sh: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "test.sh: all checks passed"
