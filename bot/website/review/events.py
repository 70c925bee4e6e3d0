"""Turns of a conversation, assembled from the events Rasa stored (plain dicts).

A turn is one user message and what followed it until the next one: the bot's replies
and the actions run. Two details of Rasa's events matter here:

- when the user picks a topic in « Vouliez-vous dire… », Rasa's two-stage fallback
  rewinds and stores the chosen message a second time, with the same `message_id`: the
  copy belongs to the same turn;
- a button sends its payload (« /ask_programme{"programme":"vie"} »): the turn shows the
  button's title, taken from the bot message just before.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

HIDDEN_ACTIONS = ("action_listen", "action_session_start")


@dataclass
class Reply:
    text: str
    buttons: list = field(default_factory=list)


@dataclass
class Turn:
    event_ids: list
    at: float | None
    # None for what the bot said before the first user message.
    text: str | None = None
    button: str | None = None
    intent: str | None = None
    confidence: float | None = None
    entities: list = field(default_factory=list)
    channel: str | None = None
    replies: list = field(default_factory=list)
    actions: list = field(default_factory=list)
    # A code of bot.website.review.unanswered when the message went unanswered.
    reason: str | None = None
    new_session: bool = False

    @property
    def failed(self) -> bool:
        """A user message after which the bot said nothing: the turn failed (the action
        server was down or an action raised). The channel's guard apologised to the user,
        but outside Rasa's tracker, which therefore holds no reply."""
        return self.text is not None and not self.replies

    @property
    def anchor(self) -> str:
        """The HTML id of the turn, for links from the list of unanswered messages."""
        return f"tour-{self.event_ids[0]}"


def loads(data: str | None) -> dict:
    try:
        value = json.loads(data or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def user_fields(event: dict) -> dict:
    parse_data = event.get("parse_data") or {}
    intent = parse_data.get("intent") or {}
    entities = [
        (str(e.get("entity", "")), str(e.get("value", "")))
        for e in parse_data.get("entities") or []
        if isinstance(e, dict)
    ]
    confidence = intent.get("confidence")
    return {
        "text": event.get("text") or "",
        "intent": intent.get("name"),
        "confidence": float(confidence) if isinstance(confidence, (int, float)) else None,
        "entities": entities,
        "channel": event.get("input_channel"),
    }


def _buttons(event: dict) -> list:
    data = event.get("data") or {}
    return [b for b in (data.get("buttons") or []) if isinstance(b, dict)]


def build_turns(rows, reasons: dict | None = None) -> list:
    """Turns from `rows` of (event id, type_name, timestamp, event dict), in id order;
    `reasons` maps the id of an unanswered user event to its reason code."""
    reasons = reasons or {}
    turns: list = []
    current: Turn | None = None
    current_message_id = None
    pending_session = False
    # The buttons offered since the last user message: a payload is one of them.
    offered: list = []
    for event_id, kind, timestamp, event in rows:
        if kind == "session_started":
            pending_session = True
        elif kind == "user":
            message_id = event.get("message_id")
            if current is not None and current.text is not None and message_id and message_id == current_message_id:
                current.event_ids.append(event_id)
            else:
                fields = user_fields(event)
                current = Turn(event_ids=[event_id], at=timestamp, new_session=pending_session, **fields)
                current_message_id, pending_session = message_id, False
                if fields["text"].startswith("/"):
                    current.button = next(
                        (b.get("title") for b in reversed(offered) if b.get("payload") == fields["text"]), None
                    )
                offered = []
                turns.append(current)
            if event_id in reasons and current.reason is None:
                current.reason = reasons[event_id]
        elif kind in ("bot", "action"):
            if kind == "action" and (not event.get("name") or event.get("name") in HIDDEN_ACTIONS):
                continue
            if current is None:
                current = Turn(event_ids=[event_id], at=timestamp, new_session=pending_session)
                pending_session = False
                turns.append(current)
            if kind == "bot":
                buttons = _buttons(event)
                offered.extend(buttons)
                current.replies.append(
                    Reply(text=event.get("text") or "", buttons=[str(b.get("title", "")) for b in buttons])
                )
            else:
                current.actions.append(event["name"])
    return turns
