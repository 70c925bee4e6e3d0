#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 with a database `test` (or the
# one named as argument: `boussole` for make run-multiserver), for the tests that run the
# knowledge base on PostgreSQL. Starts an installed cluster that is
# stopped; installs PostgreSQL with apt-get when it is missing (and then allows local
# trust connections on 127.0.0.1 for that fresh, test-only cluster).
set -euo pipefail
host=127.0.0.1 port=5432 database=${1:-test}

if pg_isready -q -h "$host" -p "$port" 2>/dev/null; then
    :
elif command -v pg_ctlcluster >/dev/null 2>&1 && ls /etc/postgresql/*/main >/dev/null 2>&1; then
    version=$(ls /etc/postgresql | sort -V | tail -1)
    echo "==> PostgreSQL $version est installé mais arrêté : je le démarre."
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
else
    echo "==> PostgreSQL est absent : installation avec apt-get (une minute environ)…"
    if [ "$(id -u)" -ne 0 ]; then
        echo "Installer PostgreSQL demande les droits root : lancez « sudo apt-get install postgresql » puis relancez." >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    version=$(ls /etc/postgresql | sort -V | tail -1)
    hba=/etc/postgresql/$version/main/pg_hba.conf
    sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || pg_ctlcluster --skip-systemctl-redirect "$version" main reload
fi
for _ in $(seq 30); do pg_isready -q -h "$host" -p "$port" && break; sleep 1; done
if ! pg_isready -q -h "$host" -p "$port"; then
    echo "PostgreSQL ne répond pas sur $host:$port." >&2
    exit 1
fi
if ! psql -h "$host" -p "$port" -U postgres -d "$database" -c 'select 1' >/dev/null 2>&1; then
    echo "==> Création de la base « $database »."
    createdb -h "$host" -p "$port" -U postgres "$database"
fi
echo "==> PostgreSQL prêt sur $host:$port (base $database)."
