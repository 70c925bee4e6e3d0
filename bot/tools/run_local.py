"""`make run`: the action server, Rasa and the website on this machine, each line of their
logs shown here after its server's name (and kept in var/logs/), the address to open once
all three answer, and one Ctrl-C to stop them all (bot/tools/supervisor.py)."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from bot.config import settings
from bot.rasa_client import health_url
from bot.tools import readiness
from bot.tools.processes import child_env
from bot.tools.supervisor import Part, Supervisor

READY_TIMEOUT_S = 600


def parts(env: Mapping[str, str], model: str) -> list:
    """The three servers, on the ports scripts/run.sh checked (BOUSSOLE_*_PORT)."""
    python = sys.executable
    common = child_env(env)
    config = settings.load(env)
    actions_port, rasa_port, web_port = str(config.actions_port), str(config.rasa_port), str(config.web_port)
    return [
        Part(
            "Serveur d'actions",
            [python, "-m", "bot", "serve", "actions", "--port", actions_port],
            common,
            f"{config.actions_url}/health",
            echo_prefix="actions",
        ),
        Part(
            "Rasa",
            [python, "-m", "bot", "serve", "rasa", "--port", rasa_port, "--model", model],
            common,
            health_url(config.rasa_url),
            waiting="chargement du modèle : environ une minute",
            echo_prefix="rasa   ",
        ),
        Part(
            "Site web",
            [python, "-m", "bot", "web", "--port", web_port],
            common,
            f"http://localhost:{web_port}/healthz",
            waiting="attend Rasa et le serveur d'actions",
            echo_prefix="web    ",
            ready_last=True,
        ),
    ]


def run(env: Mapping[str, str] = os.environ, say=print) -> int:
    model = settings.load(env).model
    if not model or not Path(model).exists():
        say(f"Erreur : modèle entraîné introuvable (BOUSSOLE_MODEL = « {model} ») : lancez « make train ».")
        return 2
    supervisor = Supervisor(settings.VAR_DIR / "logs", settings.PROJECT_ROOT, say)
    return supervisor.run(parts(env, model), READY_TIMEOUT_S, readiness.banner())
