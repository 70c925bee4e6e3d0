#!/usr/bin/env bash
# Makes sure the browser tests have what they need, and says what it installs:
# Debian's Chromium (Playwright's own browser download does not work offline), an emoji
# font (so that screenshots show 👍 / 👎), and axe-core from npm, pinned, in a git-ignored
# folder. Fails with a French message when something cannot be installed.
set -euo pipefail
cd "$(dirname "$0")/.."
AXE_VERSION=4.14.1
TOOLS_DIR=.browser-tools
CHROMIUM=/usr/bin/chromium

fail() { echo "ERREUR : $*" >&2; exit 1; }

apt_install() {
    if [ "$(id -u)" -ne 0 ]; then
        fail "installer $* demande les droits root : lancez « sudo apt-get install $* » puis relancez."
    fi
    if [ -z "${APT_UPDATED:-}" ]; then
        apt-get update -qq || fail "apt-get update a échoué : pas d'accès aux paquets Debian ?"
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || fail "apt-get n'a pas pu installer $*."
}

if [ ! -x "$CHROMIUM" ]; then
    echo "==> Chromium est absent : installation avec apt-get (quelques minutes)…"
    apt_install chromium
fi
"$CHROMIUM" --headless --no-sandbox --disable-gpu --version >/dev/null 2>&1 \
    || fail "Chromium est installé mais ne démarre pas ($CHROMIUM --version)."

if ! fc-list 2>/dev/null | grep -qi "emoji"; then
    echo "==> Police emoji absente : installation de fonts-noto-color-emoji avec apt-get…"
    apt_install fonts-noto-color-emoji
fi

axe_file="$TOOLS_DIR/node_modules/axe-core/axe.min.js"
installed=$(node -p "require('./$TOOLS_DIR/node_modules/axe-core/package.json').version" 2>/dev/null || true)
if [ "$installed" != "$AXE_VERSION" ]; then
    if ! command -v npm >/dev/null 2>&1; then
        echo "==> npm est absent : installation de nodejs et npm avec apt-get…"
        apt_install nodejs npm
    fi
    echo "==> Installation d'axe-core $AXE_VERSION (npm) dans $TOOLS_DIR/…"
    mkdir -p "$TOOLS_DIR"
    npm install --prefix "$TOOLS_DIR" --no-save --no-audit --no-fund --loglevel=error "axe-core@$AXE_VERSION" >/dev/null \
        || fail "npm n'a pas pu installer axe-core@$AXE_VERSION."
fi
[ -s "$axe_file" ] || fail "axe-core est introuvable dans $axe_file après installation."

.venv/bin/python -c "import playwright.sync_api" 2>/dev/null \
    || fail "le paquet Python playwright manque dans .venv : lancez « make install-dev »."

echo "==> Navigateur prêt : $("$CHROMIUM" --version 2>/dev/null | head -1), axe-core $AXE_VERSION."
