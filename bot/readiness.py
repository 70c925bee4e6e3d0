"""Waits until every part of the assistant answers, showing progress, then says where to chat."""

from __future__ import annotations

import signal
import time
import urllib.error
import urllib.request

from bot import settings

PARTS = (
    ("le serveur d'actions", lambda: f"{settings.actions_url()}/health"),
    ("Rasa (chargement du modèle : environ une minute)", lambda: f"{settings.rasa_url()}/"),
    ("le site web", lambda: f"http://localhost:{settings.web_port()}/healthz"),
)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_until_ready(timeout_s: float = 600, stay: bool = True) -> bool:
    start = time.monotonic()
    for label, url in PARTS:
        print(f"En attente de {label}…", flush=True)
        last_note = time.monotonic()
        while not answers(url()):
            if time.monotonic() - start > timeout_s:
                print(f"{label} ne répond toujours pas après {timeout_s:.0f} s : voir les messages ci-dessus.", flush=True)
                return False
            if time.monotonic() - last_note > 15:
                print(f"… toujours en attente de {label} ({time.monotonic() - start:.0f} s)", flush=True)
                last_note = time.monotonic()
            time.sleep(1)
        print(f"✔ {label.split(' (')[0]} est prêt ({time.monotonic() - start:.0f} s).", flush=True)
    print("\n" + "=" * 64)
    print(f"  Boussole Export est prêt : ouvrez http://localhost:{settings.web_port()}")
    print(f"  API REST de Rasa : {settings.rasa_url()}/webhooks/rest/webhook")
    print("  Ctrl-C pour tout arrêter.")
    print("=" * 64 + "\n", flush=True)
    if stay:
        # honcho stops everything when one process exits: this one waits for Ctrl-C.
        signal.pause()
    return True
