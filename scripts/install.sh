#!/usr/bin/env bash
# Creates .venv with Python 3.10 and installs one locked requirement set; idempotent.
# Usage: scripts/install.sh runtime|dev|bench STAMP (requirements/<set>.txt, pinned by
# requirements/<set>.lock; dev and bench include runtime, with the same pins).
set -euo pipefail
cd "$(dirname "$0")/.."
set_name="$1"
stamp="$2"
case "$set_name" in
    runtime|dev|bench) ;;
    *) echo "Ensemble inconnu : $set_name (runtime, dev ou bench)." >&2; exit 2 ;;
esac
python=$(scripts/find_python.sh)

if [ -x .venv/bin/python ] && ! .venv/bin/python -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
    echo "==> .venv n'est pas en Python 3.10 : je le recrée."
    rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
    echo "==> Création de l'environnement virtuel .venv avec $python"
    "$python" -m venv .venv
fi
echo "==> Installation des dépendances « $set_name » (requirements/$set_name.lock) ; 2 à 3 minutes la première fois…"
start=$(date +%s)
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip==24.2
.venv/bin/python -m pip install --quiet --disable-pip-version-check \
    -c "requirements/$set_name.lock" -r "requirements/$set_name.txt"
.venv/bin/python -m pip check
rm -f .venv/.installed-"$set_name"-*
touch "$stamp"
echo "==> Dépendances « $set_name » installées en $(( $(date +%s) - start )) s."
