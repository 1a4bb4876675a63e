#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh Debian machine, then run it.
#   bash tests/run.sh [pytest args...]
# 1. a virtualenv in .venv with requirements-test.txt (torch pinned, CPU build);
# 2. Debian's chromium (browser tests), postgresql (progress-store tests) and npm, via apt
#    when missing and we are root (or have sudo); then, with npm ci from their lockfiles, the QTI 3
#    player the export's browser test scores items in (tests/export/player) and the local OpenID
#    Connect provider of the sign-in test (tests/oidc);
# 3. a throwaway PostgreSQL server and a Ray head (2 CPUs) on loopback for the duration of the run;
# 4. pytest over tests/.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
echo "installing Python packages (log: .venv/pip-install.log)"
if ! .venv/bin/python -m pip install --disable-pip-version-check -r requirements-test.txt >.venv/pip-install.log 2>&1; then
  tail -n 40 .venv/pip-install.log >&2
  exit 1
fi

apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
  if [ -z "${APT_UPDATED:-}" ]; then $sudo apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  apt_install "${missing[@]}" || echo "warning: could not install ${missing[*]}; those tests will skip or fail" >&2
fi
if command -v npm >/dev/null 2>&1; then
  for node_project in tests/export/player tests/oidc; do  # the QTI player; the sign-in test's OIDC provider
    echo "installing $node_project (log: .venv/npm-install.log)"
    if ! npm ci --prefix "$node_project" --no-audit --no-fund >.venv/npm-install.log 2>&1; then
      tail -n 20 .venv/npm-install.log >&2
      echo "warning: $node_project did not install; its test will skip or fail" >&2
    fi
  done
fi

# shellcheck source=tests/postgres.sh
source tests/postgres.sh
start_test_postgres || echo "warning: no PostgreSQL server; PostgreSQL tests will skip" >&2
# shellcheck source=tests/ray.sh
source tests/ray.sh
start_test_ray || echo "warning: no Ray head; the Ray lab tests will skip" >&2
trap 'stop_test_ray; stop_test_postgres' EXIT

set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
# pytest's 5 means no test ran: that is a failure here, not a pass.
exit $status
