# A throwaway PostgreSQL server on 127.0.0.1 for the test run (sourced by tests/run.sh).
# Exports TEST_POSTGRES_URL when it is up; the progress-store tests use it.

start_test_postgres() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$bin" ] || return 1
  PG_DIR=$(mktemp -d /tmp/loralab-pg.XXXXXX)
  local port
  port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  local run_as=()
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$PG_DIR" 2>/dev/null || return 1
    run_as=(runuser -u postgres --)
  fi
  "${run_as[@]}" "$bin/initdb" -D "$PG_DIR/data" -U postgres -A trust >/dev/null || return 1
  "${run_as[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c fsync=off" start >/dev/null || return 1
  "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres loralab_test || return 1
  export TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$port/loralab_test"
  PG_BIN=$bin
  echo "PostgreSQL test server on 127.0.0.1:$port"
}

stop_test_postgres() {
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
    local run_as=()
    [ "$(id -u)" -eq 0 ] && run_as=(runuser -u postgres --)
    "${run_as[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}
