#!/usr/bin/env bash
# Makes sure a Redis server answers on 127.0.0.1:6379, for the lock store shared by
# several Rasa servers (make run-multiserver, make test). Starts an installed server that is
# stopped; installs Redis with apt-get when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
host=127.0.0.1 port=6379

answers() { redis-cli -h "$host" -p "$port" ping 2>/dev/null | grep -q PONG; }

if command -v redis-cli >/dev/null 2>&1 && answers; then
    echo "==> Redis prêt sur $host:$port."
    exit 0
fi
if ! command -v redis-server >/dev/null 2>&1; then
    echo "==> Redis est absent : installation avec apt-get (une minute environ)…"
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "Installez Redis (macOS : « brew install redis && brew services start redis ») puis relancez." >&2
        exit 1
    fi
    if [ "$(id -u)" -ne 0 ]; then
        echo "Installer Redis demande les droits root : lancez « sudo apt-get install redis-server » puis relancez." >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi
if ! answers; then
    echo "==> Redis est installé mais arrêté : je le démarre."
    if [ "$(id -u)" -eq 0 ] && [ -x /etc/init.d/redis-server ]; then
        /etc/init.d/redis-server start >/dev/null || true
    fi
fi
if ! answers; then
    # No service to start (or not allowed to): a server of our own, on loopback only,
    # without persistence; it keeps running after make (« redis-cli shutdown » stops it).
    mkdir -p var/redis
    redis-server --bind "$host" --port "$port" --daemonize yes --dir "$PWD/var/redis" \
        --save '' --appendonly no --logfile "$PWD/var/redis/redis.log"
fi
for _ in $(seq 20); do answers && break; sleep 0.5; done
if ! answers; then
    echo "Redis ne répond pas sur $host:$port : voir var/redis/redis.log ou le journal du service." >&2
    exit 1
fi
echo "==> Redis prêt sur $host:$port."
