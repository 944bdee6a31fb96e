#!/usr/bin/env bash
# Run the whole suite. Uses CADENCE_TEST_POSTGRES_URL when set; otherwise starts a throwaway PostgreSQL
# server when its binaries are installed, so the suite runs against SQLite *and* PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
pgdir=""
cleanup() { [ -n "$pgdir" ] && bash .ci/postgres.sh stop "$pgdir" && rm -rf "$pgdir"; return 0; }
trap cleanup EXIT

if [ -z "${CADENCE_TEST_POSTGRES_URL:-}" ] && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  pgdir=$(mktemp -d /tmp/cadence-test-pg.XXXXXX)
  port=$($bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  CADENCE_TEST_POSTGRES_URL=$(bash .ci/postgres.sh start "$pgdir" "$port")
  export CADENCE_TEST_POSTGRES_URL
  echo "PostgreSQL for tests: $CADENCE_TEST_POSTGRES_URL"
fi
workers=${CADENCE_TEST_WORKERS:-2}
$bin/python -m pytest -n "$workers" "$@"
