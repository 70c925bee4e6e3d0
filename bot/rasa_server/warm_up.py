"""A Rasa server answers its first turn at full speed: the model is exercised before the
server accepts any request.

TensorFlow builds the graphs of DIET and TED on their first prediction, not when the model
loads: measured here (bench/failover.py), the first turns a freshly started server took
8 to 9 s each, against under a second afterwards, so that every restart of a server (a
crash, a new model rolled out one server at a time) made the conversations it took first
wait. Rasa loads the model before it opens its port (a `before_server_start` listener);
these few predictions on a throwaway conversation run there too, after the load, so that
the health check (GET /) answers only once the model is warm. Nothing is written: the
conversation lives in memory only.

Installed in Rasa's process by bot/rasa_server/launch.py.
"""

from __future__ import annotations

import logging
import time

log = logging.getLogger(__name__)

# Short and long, with and without entities: the shapes the first real turns will have.
MESSAGES = (
    "Bonjour",
    "C'est quoi l'Assurance Prospection ?",
    "Nous sommes une PME de 25 salariés dans l'agroalimentaire en Bretagne, nous voulons exporter au Canada.",
)
SENDER = "boussole-echauffement"

_rasa_load_agent_on_start = None


async def warm_up(agent) -> float:
    """Parses each of MESSAGES and predicts the next action after it; returns the seconds spent."""
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    start = time.monotonic()
    for text in MESSAGES:
        parsed = await agent.parse_message(text)
        events = [
            ActionExecuted("action_listen"),
            UserUttered(text, parsed.get("intent"), parsed.get("entities"), parse_data=parsed),
        ]
        tracker = DialogueStateTracker.from_events(SENDER, events, slots=agent.domain.slots)
        agent.processor.predict_next_with_tracker(tracker)
    return time.monotonic() - start


async def load_agent_on_start(*args, **kwargs):
    """Rasa's own listener, then the warm-up; a failed warm-up only costs speed."""
    agent = await _rasa_load_agent_on_start(*args, **kwargs)
    try:
        seconds = await warm_up(agent)
    except Exception as exc:  # noqa: BLE001 - the server must start anyway
        log.warning("Échauffement du modèle impossible (%s) : les premiers tours seront lents.", exc)
    else:
        log.info("Modèle échauffé en %.1f s : le serveur accepte les messages.", seconds)
    return agent


def install() -> None:
    """Idempotent; before Rasa builds its server (it looks the listener up then)."""
    from rasa.core import run

    global _rasa_load_agent_on_start
    if run.load_agent_on_start is not load_agent_on_start:
        _rasa_load_agent_on_start = run.load_agent_on_start
        run.load_agent_on_start = load_agent_on_start
