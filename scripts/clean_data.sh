#!/usr/bin/env bash
# make clean-data: deletes var/ (or BOUSSOLE_VAR_DIR) after saying, in French, what it
# holds, and only once the person has typed « oui » (CONFIRM=1 skips the question, for
# scripts). Databases reached by URL (PostgreSQL) are never touched here.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${BOUSSOLE_VAR_DIR:-var}"

if [[ ! -e "$dir" ]]; then
    echo "Rien à supprimer : $dir/ n'existe pas."
    exit 0
fi

resolved="$(cd "$dir" 2>/dev/null && pwd -P || echo "$dir")"
case "$resolved" in
    /|"$HOME"|"$(pwd -P)")
        echo "Refusé : $dir désigne $resolved, pas un dossier de données de Boussole Export." >&2
        exit 1 ;;
esac

describe() {
    case "$1" in
        tracker.db) echo "historique des conversations (tracker store de Rasa)" ;;
        boussole.db) echo "base de connaissances, avis 👍 / 👎 et dossiers transmis aux conseillers" ;;
        admin_token) echo "jeton de la page de suivi des conseillers" ;;
        rasa_token) echo "jeton de l'API de Rasa" ;;
        endpoints.yml|credentials.yml) echo "configuration de Rasa (réécrite à chaque démarrage)" ;;
        *) echo "" ;;
    esac
}

echo "make clean-data va supprimer définitivement le dossier $dir/ :"
shopt -s nullglob dotglob
for path in "$dir"/*; do
    name="$(basename "$path")"
    size="$(du -sh "$path" 2>/dev/null | cut -f1)"
    what="$(describe "$name")"
    echo "  - $name ($size)${what:+ : $what}"
done
echo "Les conversations, avis et dossiers qu'il contient ne pourront pas être récupérés."
echo "Les bases désignées par BOUSSOLE_TRACKER_URL ou BOUSSOLE_DB_URL hors de $dir/ (PostgreSQL) ne sont pas touchées."

if [[ "${CONFIRM:-}" != "1" ]]; then
    if [[ ! -t 0 ]]; then
        echo "Pas de confirmation possible sans terminal : relancez avec « make clean-data CONFIRM=1 »." >&2
        exit 1
    fi
    read -r -p "Tapez « oui » pour confirmer : " answer
    if [[ "$answer" != "oui" ]]; then
        echo "Abandon : rien n'a été supprimé."
        exit 1
    fi
fi
rm -rf -- "$dir"
echo "$dir/ supprimé."
