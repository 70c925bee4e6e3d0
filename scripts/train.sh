#!/usr/bin/env bash
# Trains the model only when config.yml, domain.yml or data/ changed since the last one.
set -euo pipefail
cd "$(dirname "$0")/.."
model=$(scripts/model_path.sh)
if [ -f "$model" ]; then
    echo "==> Modèle à jour : $model (rien à entraîner)."
    exit 0
fi
.venv/bin/python -m bot nlu check
echo "==> Entraînement du modèle (de 5 à 12 minutes sur 2 cœurs selon la charge de la machine ; une à deux minutes si seuls le domaine ou les règles ont changé)…"
start=$(date +%s)
mkdir -p models
name=$(basename "$model" .tar.gz)
.venv/bin/rasa train --fixed-model-name "$name" --out models --num-threads 2 2>&1 \
    | grep --line-buffered -vE "^(WARNING|W[0-9]{4}|I[0-9]{4}|.*DeprecationWarning|.*MovedIn20Warning|\s*$)" || true
if [ ! -f "$model" ]; then
    echo "L'entraînement a échoué : voir les messages ci-dessus." >&2
    exit 1
fi
echo "==> Modèle entraîné en $(( $(date +%s) - start )) s : $model"
# Older models of this project only take room (35 MB each).
find models -maxdepth 1 -name 'boussole-*.tar.gz' ! -path "$model" -delete
