#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter that actually runs (Rasa 3.6 needs 3.8–3.10).
set -u
works() { "$@" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1; }

if command -v python3.10 >/dev/null 2>&1 && works python3.10; then
    command -v python3.10
    exit 0
fi
if command -v pyenv >/dev/null 2>&1; then
    root=$(pyenv root)
    for candidate in $(ls -d "$root"/versions/3.10.* 2>/dev/null | sort -V -r); do
        if works "$candidate/bin/python3.10"; then
            echo "$candidate/bin/python3.10"
            exit 0
        fi
    done
fi
cat >&2 <<'MSG'
Python 3.10 est introuvable : Rasa 3.6 fonctionne avec Python 3.8 à 3.10 seulement.
Installez-le, par exemple :
  - Debian/Ubuntu : sudo apt-get install python3.10 python3.10-venv
  - avec pyenv    : pyenv install 3.10.13
puis relancez la commande.
MSG
exit 1
