# A throwaway Ray head on 127.0.0.1 for the test run (sourced by tests/run.sh), sized for a
# 2-core machine: 2 CPUs, a 100 MB object store, no dashboard, no usage stats.
# It requires a token, as the README's class setup does (RAY_AUTH_MODE=token, Ray >= 2.52): a
# fresh random one in its temp folder, so the Ray tests run the authenticated path.
# Exports LORA_LAB_TEST_RAY_ADDRESS (host:port of its GCS) when it is up, with RAY_AUTH_MODE and
# RAY_AUTH_TOKEN_PATH for the tests' clients; the Ray lab tests use them.

start_test_ray() {
  [ -x .venv/bin/ray ] || return 1
  RAY_TMP=$(mktemp -d /tmp/loralab-ray.XXXXXX)
  local port
  port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  (umask 077 && .venv/bin/python -c 'import secrets; print(secrets.token_hex(32), end="")' >"$RAY_TMP/auth_token")
  RAY_AUTH_MODE=token RAY_AUTH_TOKEN_PATH="$RAY_TMP/auth_token" RAY_USAGE_STATS_ENABLED=0 \
    .venv/bin/ray start --head --node-ip-address=127.0.0.1 --port="$port" \
    --num-cpus=2 --num-gpus=0 --object-store-memory=100000000 --include-dashboard=false \
    --disable-usage-stats --temp-dir="$RAY_TMP" >"$RAY_TMP/start.log" 2>&1 || { cat "$RAY_TMP/start.log" >&2; return 1; }
  export LORA_LAB_TEST_RAY_ADDRESS="127.0.0.1:$port" RAY_AUTH_MODE=token RAY_AUTH_TOKEN_PATH="$RAY_TMP/auth_token"
  echo "Ray test head on 127.0.0.1:$port"
}

# `ray stop` is the one way that also ends the head's workers (they run in sessions of their
# own, so killing the head's process group leaves them behind); it stops every Ray node this
# user runs on the machine, which on a CI machine is only this one.
stop_test_ray() {
  if [ -n "${RAY_TMP:-}" ] && [ -d "$RAY_TMP" ]; then
    .venv/bin/ray stop --force >/dev/null 2>&1 || true
    rm -rf "$RAY_TMP"
  fi
}
