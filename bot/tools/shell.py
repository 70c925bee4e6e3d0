"""A terminal conversation with a running Rasa server (for advisers); works with piped input.

Buttons are shown numbered: typing the number sends the button's payload. The adviser
mode (`--conseiller`, or `/conseiller` during the conversation) shows after each answer
what the assistant understood and used: intent and confidence, entities, slots, the
finder's ranking scores and every source the answers cite. It reads the conversation's tracker
through Rasa's HTTP API, which needs the API token (BOUSSOLE_RASA_TOKEN).
"""

from __future__ import annotations

import argparse
import re
import sys
import uuid

from bot.config import settings, tokens
from bot.core.citations import SOURCES_KEY
from bot.rasa_client import RasaClient, RasaError, RasaRefused, webhook_url

_URL = re.compile(r"https?://[^\s;)]+")
# Slots that are bookkeeping, not what the assistant knows about the company.
HIDDEN_SLOTS = ("last_options", "requested_slot", "session_started_metadata", "advice_trace")


def adviser_report(tracker: dict, answers: list) -> list:
    """The lines the adviser mode prints after an answer."""
    latest = tracker.get("latest_message") or {}
    intent = latest.get("intent") or {}
    lines = [f"Intention : {intent.get('name', '?')} ({intent.get('confidence', 0):.2f})"]
    others = [f"{i['name']} {i['confidence']:.2f}" for i in (latest.get("intent_ranking") or [])[1:3]]
    if others:
        lines[-1] += " ; ensuite : " + ", ".join(others)
    entities = [f"{e['entity']}={e['value']}" for e in latest.get("entities") or []]
    lines.append("Entités : " + (", ".join(entities) if entities else "aucune"))
    slots = {k: v for k, v in (tracker.get("slots") or {}).items() if v not in (None, [], "") and k not in HIDDEN_SLOTS}
    lines.append("Créneaux : " + (", ".join(f"{k}={v}" for k, v in sorted(slots.items())) if slots else "aucun"))
    if tracker.get("active_loop", {}).get("name"):
        lines.append(f"Formulaire actif : {tracker['active_loop']['name']}")
    trace = (tracker.get("slots") or {}).get("advice_trace") or []
    if trace:
        lines.append(
            "Classement : "
            + ", ".join(f"{i}. {t['programme']} {t['score']} ({t['verdict']})" for i, t in enumerate(trace, 1))
        )
    # Every source the answers rest on, as they carry them (the text lists three at most);
    # the addresses in the text when they carry none.
    cited = [url for answer in answers for c in answer.get(SOURCES_KEY) or [] for url in c.get("urls") or []]
    written = [url.rstrip(".,") for answer in answers for url in _URL.findall(answer.get("text") or "")]
    sources = list(dict.fromkeys(cited or written))
    lines.append("Sources : " + (", ".join(sources) if sources else "aucune"))
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Conversation avec Boussole Export dans le terminal.")
    parser.add_argument(
        "--conseiller",
        action="store_true",
        help="mode conseiller : intention, entités, créneaux, scores et sources après chaque réponse",
    )
    args = parser.parse_args(argv)
    rasa = RasaClient(settings.current().rasa_url, tokens.rasa_token())
    sender = f"conseiller-{uuid.uuid4().hex[:8]}"
    interactive = sys.stdin.isatty()
    adviser = args.conseiller
    print(
        "Conversation avec Boussole Export. Tapez /stop (ou Ctrl-D) pour quitter, "
        "/conseiller pour afficher ou masquer le mode conseiller."
    )
    buttons = []
    while True:
        try:
            line = input("Vous : " if interactive else "")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        line = line.strip()
        if not line:
            continue
        if line in ("/stop", "/quit", "/exit"):
            return 0
        if line == "/conseiller":
            adviser = not adviser
            print(f"Mode conseiller {'activé' if adviser else 'désactivé'}.\n")
            continue
        if not interactive:
            print(f"Vous : {line}")
        if line.isdigit() and 1 <= int(line) <= len(buttons):
            line = buttons[int(line) - 1]["payload"]
        try:
            answers = rasa.send(sender, line)
        except RasaError as exc:
            print(
                f"Rasa ne répond pas ({webhook_url(rasa.base_url)}) : {exc}. Est-il démarré (make run) ?",
                file=sys.stderr,
            )
            return 1
        buttons = []
        for answer in answers:
            if answer.get("text"):
                print(f"Boussole : {answer['text']}")
            for button in answer.get("buttons", []) or []:
                buttons.append(button)
                print(f"   [{len(buttons)}] {button['title']}")
        if adviser:
            _print_adviser_report(rasa, sender, answers)
        print()


def _print_adviser_report(rasa: RasaClient, sender: str, answers: list) -> None:
    try:
        tracker = rasa.tracker(sender)
    except RasaRefused as exc:
        print(
            f"   (mode conseiller indisponible : l'API de Rasa refuse l'accès, code {exc.status} ; "
            "vérifiez BOUSSOLE_RASA_TOKEN)"
        )
        return
    except RasaError as exc:
        print(f"   (mode conseiller indisponible : {exc})")
        return
    for line in adviser_report(tracker, answers):
        print(f"   │ {line}")


if __name__ == "__main__":
    sys.exit(main())
