#!/usr/bin/env bash
# Terminal conversation for advisers. Uses the assistant started by `make run` if it is
# up; otherwise starts the action server and Rasa for the time of the conversation.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
started=()
cleanup() { for pid in "${started[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
export BOUSSOLE_RASA_TOKEN="${BOUSSOLE_RASA_TOKEN:-$(.venv/bin/python -m bot rasa-token)}"

if ! curl -fs http://localhost:5005/ >/dev/null 2>&1; then
    mkdir -p var
    echo "==> Démarrage du serveur d'actions et de Rasa (journaux dans var/shell-*.log)…"
    if ! curl -fs http://localhost:5055/health >/dev/null 2>&1; then
        .venv/bin/python -m bot serve actions --port 5055 > var/shell-actions.log 2>&1 &
        started+=($!)
    fi
    .venv/bin/python -m bot serve rasa --port 5005 --model "$(scripts/model_path.sh)" > var/shell-rasa.log 2>&1 &
    started+=($!)
    .venv/bin/python -c 'import sys; from bot.tools.readiness import PARTS, wait_until_ready
sys.exit(0 if wait_until_ready(PARTS[:2], stay=False) else "Voir les journaux var/shell-*.log.")'
fi
.venv/bin/python -m bot.tools.shell "$@"
