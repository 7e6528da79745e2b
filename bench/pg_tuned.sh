#!/usr/bin/env bash
# bench/pg_tuned.sh — a throwaway PostgreSQL set up as a production server for bulk loads
# would be (the shared server on 5432 runs Debian's defaults: shared_buffers 128 MB,
# max_wal_size 1 GB). Prints the URL to put in DATABASE_URL; stop it with
#   pg_ctl -D "${DIR:-/tmp/pg-bulk}/data" stop   (as the postgres user when run as root)
#
#   PORT=55432 DIR=/tmp/pg-bulk bash bench/pg_tuned.sh
set -euo pipefail
port="${PORT:-55432}"
dir="${DIR:-/tmp/pg-bulk}"
bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
rm -rf "$dir"
mkdir -p "$dir"
if [[ $(id -u) -eq 0 ]]; then chown postgres "$dir"; fi
as_pg "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w start -o "-p $port -k $dir \
  -c listen_addresses=127.0.0.1 -c shared_buffers=4GB -c max_wal_size=16GB \
  -c wal_compression=on -c checkpoint_timeout=30min -c wal_buffers=64MB \
  -c maintenance_work_mem=1GB -c work_mem=256MB" >/dev/null
echo "postgres://postgres@127.0.0.1:$port/postgres"
