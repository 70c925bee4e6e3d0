#!/usr/bin/env bash
# Creates .venv with Python 3.10 and installs the locked dependencies; idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp="$1"
python=$(scripts/find_python.sh)

if [ -x .venv/bin/python ] && ! .venv/bin/python -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
    echo "==> .venv n'est pas en Python 3.10 : je le recrée."
    rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
    echo "==> Création de l'environnement virtuel .venv avec $python"
    "$python" -m venv .venv
fi
echo "==> Installation des dépendances verrouillées (constraints.txt) ; 2 à 3 minutes la première fois…"
start=$(date +%s)
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip==24.2
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -r requirements.txt
.venv/bin/python -m pip check
rm -f .venv/.installed-*
touch "$stamp"
echo "==> Dépendances installées en $(( $(date +%s) - start )) s."
