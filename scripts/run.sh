#!/usr/bin/env bash
# Starts the action server, Rasa and the website together; one Ctrl-C stops them all.
# Ports follow BOUSSOLE_RASA_URL, BOUSSOLE_ACTIONS_URL and BOUSSOLE_WEB_PORT (5005, 5055
# and 8080 by default), so that a second instance, or the benchmark, can run beside one.
set -euo pipefail
cd "$(dirname "$0")/.."
export BOUSSOLE_MODEL=$(scripts/model_path.sh)
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
port_of() { local url="${1%/}"; echo "${url##*:}"; }
export BOUSSOLE_RASA_PORT=$(port_of "${BOUSSOLE_RASA_URL:-http://localhost:5005}")
export BOUSSOLE_ACTIONS_PORT=$(port_of "${BOUSSOLE_ACTIONS_URL:-http://localhost:5055}")
export BOUSSOLE_WEB_PORT="${BOUSSOLE_WEB_PORT:-8080}"
for port in "$BOUSSOLE_RASA_PORT" "$BOUSSOLE_ACTIONS_PORT" "$BOUSSOLE_WEB_PORT"; do
    if ! [[ "$port" =~ ^[0-9]+$ ]]; then
        echo "Port illisible « $port » : BOUSSOLE_RASA_URL et BOUSSOLE_ACTIONS_URL doivent finir par :port (http://localhost:5005)." >&2
        exit 1
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "Le port $port est déjà utilisé : arrêtez le programme qui l'occupe (une autre instance de « make run » ?)." >&2
        exit 1
    fi
done
mkdir -p "${BOUSSOLE_VAR_DIR:-var}"
# Rasa's HTTP API (used by the adviser mode of `make shell`) only answers with this token.
export BOUSSOLE_RASA_TOKEN="${BOUSSOLE_RASA_TOKEN:-$(.venv/bin/python -m bot rasa-token)}"
echo "==> Démarrage du serveur d'actions (:$BOUSSOLE_ACTIONS_PORT), de Rasa (:$BOUSSOLE_RASA_PORT) et du site web (:$BOUSSOLE_WEB_PORT). Ctrl-C pour tout arrêter."
# The project's own launcher (bot/tools/run_local.py), as the tests and the bench use it.
exec .venv/bin/python -m bot run
