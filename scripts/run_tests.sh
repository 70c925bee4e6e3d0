#!/usr/bin/env bash
# Runs the whole test suite once; pytest's exit 5 (no test collected) is a failure too.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
start=$(date +%s)
.venv/bin/python -m pytest -p no:cacheprovider -ra "$@"
status=$?
echo "==> Tests terminés en $(( $(date +%s) - start )) s (code $status)."
if [ "$status" -eq 5 ]; then
    echo "Aucun test n'a été exécuté : c'est une erreur." >&2
    exit 1
fi
exit "$status"
