"""What the browser tests share: Debian's Chromium driven by Playwright, pages that record
script errors, dialogs and CSP violations, and the axe-core audit."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags, Chromium keeps calling out to a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = ROOT / ".browser-tools" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "tests" / "artifacts"

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # a missing dependency fails the run, never skips it
    expect = sync_playwright = None


def launch():
    """Yields one headless Chromium; fails (never skips) when something is missing."""
    if sync_playwright is None:
        pytest.fail("Le paquet Python playwright manque : lancez « make install-dev ».")
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium est introuvable ({CHROMIUM}) : lancez scripts/ensure_browser.sh.")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Watched:
    """A page whose script errors, dialogs and CSP violations are recorded."""

    def __init__(self, context):
        self.context = context
        self.page = context.new_page()
        self.problems = []
        self.page.on("pageerror", lambda error: self.problems.append(f"erreur JS : {error}"))
        self.page.on("dialog", self._dialog)
        self.page.on("console", self._console)

    def _dialog(self, dialog):
        self.problems.append(f"boîte de dialogue : {dialog.message}")
        dialog.dismiss()

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.problems.append(f"CSP : {message.text}")


def new_watched(browser, **options) -> Watched:
    options.setdefault("locale", "fr-FR")
    options.setdefault("viewport", {"width": 1280, "height": 860})
    return Watched(browser.new_context(**options))


def run_axe(page) -> list:
    """The violations axe-core finds in the page (the context must bypass the CSP)."""
    if not AXE.exists():
        pytest.fail(f"axe-core est introuvable ({AXE}) : lancez scripts/ensure_browser.sh.")
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => {
      const result = await axe.run(document, { resultTypes: ["violations"] });
      return result.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length,
                                           targets: v.nodes.slice(0, 3).map(n => n.target) }));
    }""")
