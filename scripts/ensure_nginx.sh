#!/usr/bin/env bash
# Makes sure the nginx program is installed, for the load balancer of make run-multiserver and
# of the multi-server tests. Only the program is needed: Boussole runs its own nginx master
# (prefix, pid and logs under var/), never the system's service.
set -euo pipefail

if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
    echo "==> nginx présent ($( (command -v nginx || echo /usr/sbin/nginx) | head -1))."
    exit 0
fi
echo "==> nginx est absent : installation avec apt-get (une minute environ)…"
if ! command -v apt-get >/dev/null 2>&1; then
    echo "Installez nginx (macOS : « brew install nginx ») puis relancez." >&2
    exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "Installer nginx demande les droits root : lancez « sudo apt-get install nginx » puis relancez." >&2
    exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
echo "==> nginx installé. Debian démarre aussi son propre service sur le port 80 : Boussole Export ne s'en sert pas."
