"""A terminal conversation with a running Rasa server (for advisers); works with piped input.

Buttons are shown numbered: typing the number sends the button's payload.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
import uuid

from bot import settings


def post(url: str, sender: str, message: str) -> list:
    request = urllib.request.Request(
        url, data=json.dumps({"sender": sender, "message": message}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read().decode())


def main() -> int:
    url = f"{settings.rasa_url()}/webhooks/rest/webhook"
    sender = f"conseiller-{uuid.uuid4().hex[:8]}"
    interactive = sys.stdin.isatty()
    print("Conversation avec Boussole Export. Tapez /stop (ou Ctrl-D) pour quitter.")
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
        if not interactive:
            print(f"Vous : {line}")
        if line.isdigit() and 1 <= int(line) <= len(buttons):
            line = buttons[int(line) - 1]["payload"]
        try:
            answers = post(url, sender, line)
        except (urllib.error.URLError, OSError) as exc:
            print(f"Rasa ne répond pas ({url}) : {exc}. Est-il démarré (make run) ?", file=sys.stderr)
            return 1
        buttons = []
        for answer in answers:
            if answer.get("text"):
                print(f"Boussole : {answer['text']}")
            for button in answer.get("buttons", []) or []:
                buttons.append(button)
                print(f"   [{len(buttons)}] {button['title']}")
        print()


if __name__ == "__main__":
    sys.exit(main())
