"""Which choice a bare number picks: one rule for the actions and for the channels.

The actions keep, in the `last_options` slot, the payloads that « 2 » or « le deuxième »
refers to, and ActionNonsense / ActionChooseItem answer a bare number with that entry. A
message's choices are its buttons, unless it names them (`choices`: the recommendations
number the programmes, not their three buttons each). A channel without buttons writes
the numbers into its text, so it must use exactly those numbers: each message carries its
numbered choices as metadata, which Rasa hands over to the output channel with the text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# The metadata key of a bot message; Rasa drops empty values, so a message without
# numbered choices simply has no key.
KEY = "numbered_choices"


@dataclass(frozen=True)
class Choice:
    number: int
    payload: str


def payloads_of(message: Mapping) -> list[str]:
    if "choices" in message:
        return list(message["choices"])
    return [button["payload"] for button in message.get("buttons") or []]


def number(messages: Iterable[Mapping]) -> list[list[Choice]]:
    """The choices of each message, numbered across all of them, in `last_options` order."""
    numbered, count = [], 0
    for message in messages:
        choices = []
        for payload in payloads_of(message):
            count += 1
            choices.append(Choice(count, payload))
        numbered.append(choices)
    return numbered


def metadata(numbered: Sequence[Sequence[Choice]]) -> list[dict]:
    """For each message, the metadata to send with it: its choices, and whether it holds the
    last of them (the place for « answer with the number »)."""
    total = sum(len(choices) for choices in numbered)
    return [
        {KEY: {"choices": [[c.number, c.payload] for c in choices], "last": choices[-1].number == total}}
        if choices
        else {}
        for choices in numbered
    ]


def read(message: Mapping) -> tuple[list[Choice], bool]:
    """(numbered choices, holds the last one) from a message as an output channel gets it."""
    data = message.get(KEY) or {}
    try:
        choices = [Choice(int(n), str(p)) for n, p in data.get("choices") or []]
    except (TypeError, ValueError):
        return [], False
    return choices, bool(data.get("last")) and bool(choices)


def picked(text: str, latest: Sequence[Mapping]) -> str | None:
    """The payload that a bare « 2 » (or « 2. ») picks among the numbered choices of the
    bot's latest messages, or None. On a platform without buttons, the channel sends that
    payload as a tap on the button would: inside a form too, where the bot's own reading
    of a number does not fill the slot."""
    stripped = (text or "").strip().rstrip(".)").strip()
    if not stripped.isdigit():
        return None
    number = int(stripped)
    for message in latest:
        for choice in read(message)[0]:
            if choice.number == number:
                return choice.payload
    return None
