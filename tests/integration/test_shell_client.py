"""The advisers' terminal client, driven with piped input as in `make shell < fichier`."""

from __future__ import annotations

import subprocess
import sys

from tests.integration.conftest import ROOT, base_env


def test_piped_conversation_with_numbered_buttons(rasa_server, action_server, kb):
    result = subprocess.run(
        [sys.executable, "-m", "bot.shell_client"], input="bonjour\n1\n/stop\n", text=True,
        capture_output=True, timeout=120, cwd=ROOT, env=base_env(BOUSSOLE_RASA_URL=rasa_server.url),
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Vous : bonjour" in out
    assert "[1] C'est quoi l'Assurance Prospection ?" in out
    record = kb.get("programme", "assurance-prospection")
    # « 1 » chose the first button: the programme's details, with its source.
    assert record["sources"][0]["url"] in out.split("Vous : 1", 1)[1]


def test_unreachable_server_is_reported_in_french():
    result = subprocess.run(
        [sys.executable, "-m", "bot.shell_client"], input="bonjour\n", text=True, capture_output=True,
        timeout=60, cwd=ROOT, env=base_env(BOUSSOLE_RASA_URL="http://127.0.0.1:9"),
    )
    assert result.returncode == 1
    assert "Rasa ne répond pas" in result.stderr
