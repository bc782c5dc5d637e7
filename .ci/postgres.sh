#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite: initdb in a temporary directory, listening on
# 127.0.0.1 only, on a free port; stopped and deleted afterwards.
#
#   .ci/postgres.sh make test-postgres     # run a command with the server up, then stop it
#   source .ci/postgres.sh                 # or: start it in this shell (stopped on exit)
#
# Either way NEWSARCHIVE_TEST_POSTGRES=postgresql+psycopg://postgres@127.0.0.1:PORT/postgres is
# exported. Installs Debian's postgresql package when no server binaries are found. The server
# trusts local connections and runs without fsync: it holds test data only.

_pg_main() {
  set -euo pipefail
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    echo "postgres.sh: installing postgresql (Debian)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
    bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi

  # initdb refuses to run as root: run the server as the `postgres` user the package created.
  local as=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /nonexistent postgres
    as=(runuser -u postgres --)
  fi

  _PG_DATA=$(mktemp -d /tmp/newsarchive-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres: "$_PG_DATA"
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

  "${as[@]}" "$bindir/initdb" -D "$_PG_DATA/data" -U postgres --auth=trust -E UTF8 \
    --locale=C.UTF-8 >"$_PG_DATA/initdb.log" 2>&1 \
    || { cat "$_PG_DATA/initdb.log" >&2; return 1; }
  cat >>"$_PG_DATA/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$_PG_DATA'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  "${as[@]}" "$bindir/pg_ctl" -D "$_PG_DATA/data" -l "$_PG_DATA/server.log" -w -t 60 start \
    >/dev/null || { cat "$_PG_DATA/server.log" >&2; return 1; }
  _PG_CTL=("${as[@]}" "$bindir/pg_ctl" -D "$_PG_DATA/data")
  export NEWSARCHIVE_TEST_POSTGRES="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
  echo "postgres.sh: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
}

_pg_stop() {
  if [ -n "${_PG_DATA:-}" ] && [ -d "$_PG_DATA" ]; then
    "${_PG_CTL[@]}" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$_PG_DATA"
  fi
  _PG_DATA=
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  # Sourced: start the server and stop it when the sourcing shell exits.
  _pg_main
  trap _pg_stop EXIT
else
  _pg_main
  trap _pg_stop EXIT INT TERM
  if [ $# -gt 0 ]; then
    "$@"
  else
    echo "postgres.sh: give a command to run with the server up (e.g. make test-postgres)" >&2
    exit 2
  fi
fi
