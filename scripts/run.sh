#!/usr/bin/env bash
# Starts the action server, Rasa and the website together; one Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
export BOUSSOLE_MODEL=$(scripts/model_path.sh)
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
for port in 5005 5055 8080; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "Le port $port est déjà utilisé : arrêtez le programme qui l'occupe (une autre instance de « make run » ?)." >&2
        exit 1
    fi
done
mkdir -p var
# Rasa's HTTP API (used by the adviser mode of `make shell`) only answers with this token.
export BOUSSOLE_RASA_TOKEN="${BOUSSOLE_RASA_TOKEN:-$(.venv/bin/python -m bot rasa-token)}"
echo "==> Démarrage du serveur d'actions (:5055), de Rasa (:5005) et du site web (:8080). Ctrl-C pour tout arrêter."
exec .venv/bin/honcho start
