"""The advisers' terminal client, driven with piped input as in `make shell < fichier`."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.integration.conftest import ROOT, base_env


def test_piped_conversation_with_numbered_buttons(rasa_server, action_server, kb):
    result = subprocess.run(
        [sys.executable, "-m", "bot.tools.shell"],
        input="bonjour\n1\n/stop\n",
        text=True,
        capture_output=True,
        timeout=120,
        cwd=ROOT,
        env=base_env(BOUSSOLE_RASA_URL=rasa_server.url),
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
        [sys.executable, "-m", "bot.tools.shell"],
        input="bonjour\n",
        text=True,
        capture_output=True,
        timeout=60,
        cwd=ROOT,
        env=base_env(BOUSSOLE_RASA_URL="http://127.0.0.1:9"),
    )
    assert result.returncode == 1
    assert "Rasa ne répond pas" in result.stderr


def test_adviser_mode_shows_intent_entities_slots_and_sources(rasa_server, action_server, kb):
    from tests.integration.conftest import RASA_TOKEN

    result = subprocess.run(
        [sys.executable, "-m", "bot.tools.shell", "--conseiller"],
        input="Nous sommes 25 salariés en Bretagne\nC'est quoi l'assurance prospection ?\n/stop\n",
        text=True,
        capture_output=True,
        timeout=180,
        cwd=ROOT,
        env=base_env(BOUSSOLE_RASA_URL=rasa_server.url, BOUSSOLE_RASA_TOKEN=RASA_TOKEN),
    )
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.split("Vous : C'est quoi", 1)
    assert "│ Intention : inform_company (" in first
    assert "headcount=25" in first and "region=bretagne" in first
    assert "│ Intention : ask_programme (" in second
    assert "programme=assurance-prospection" in second
    assert kb.get("programme", "assurance-prospection")["sources"][0]["url"] in second.split("│ Sources :", 1)[1]


def test_adviser_mode_without_the_token_says_so(rasa_server):
    result = subprocess.run(
        [sys.executable, "-m", "bot.tools.shell", "--conseiller"],
        input="bonjour\n/stop\n",
        text=True,
        capture_output=True,
        timeout=120,
        cwd=ROOT,
        env=base_env(BOUSSOLE_RASA_URL=rasa_server.url, BOUSSOLE_RASA_TOKEN="mauvais-jeton"),
    )
    assert result.returncode == 0
    assert "mode conseiller indisponible" in result.stdout
    assert re.search(r"code 40[13]", result.stdout)
