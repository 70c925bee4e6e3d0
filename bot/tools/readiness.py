"""Waits until every part of the assistant answers, showing progress, then says where to chat."""

from __future__ import annotations

import signal
import time

from bot.config import settings
from bot.rasa_client import answers, health_url, webhook_url

# (what we wait for, the part as a subject, its health URL)
PARTS = (
    ("du serveur d'actions", "Le serveur d'actions", lambda: f"{settings.current().actions_url}/health"),
    ("de Rasa (chargement du modèle : environ une minute)", "Rasa", lambda: health_url(settings.current().rasa_url)),
    ("du site web", "Le site web", lambda: f"http://localhost:{settings.current().web_port}/healthz"),
)


def wait_until_ready(parts=PARTS, timeout_s: float = 600, stay: bool = True) -> bool:
    """Waits for each of `parts`. With `stay` (make run), says where to chat and then waits
    for Ctrl-C; without it (make shell), returns as soon as everything answers."""
    start = time.monotonic()
    for label, subject, url in parts:
        print(f"En attente {label}…", flush=True)
        last_note = time.monotonic()
        while not answers(url()):
            if time.monotonic() - start > timeout_s:
                print(
                    f"{subject} ne répond toujours pas après {timeout_s:.0f} s : voir les messages ci-dessus.",
                    flush=True,
                )
                return False
            if time.monotonic() - last_note > 15:
                print(f"… toujours en attente {label} ({time.monotonic() - start:.0f} s)", flush=True)
                last_note = time.monotonic()
            time.sleep(1)
        print(f"✔ {subject} est prêt ({time.monotonic() - start:.0f} s).", flush=True)
    if not stay:
        return True
    print(banner(), flush=True)
    # Whoever started the servers stops them all at Ctrl-C: this one waits for it.
    signal.pause()
    return True


def banner() -> str:
    """Where to chat, once everything answers."""
    rule = "=" * 64
    return "\n".join(
        [
            "",
            rule,
            f"  Boussole Export est prêt : ouvrez http://localhost:{settings.current().web_port}",
            f"  API REST de Rasa : {webhook_url(settings.current().rasa_url)}",
            "  Ctrl-C pour tout arrêter.",
            rule,
            "",
        ]
    )
