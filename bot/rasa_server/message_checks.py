"""What a channel checks before a message reaches the model, and what it says instead.

Rasa processes any text it is given: a 100 KB message keeps its only event loop busy for
seconds (DIET's attention grows with the square of the length), a missing sender puts
every such client in one shared conversation named « default », and an action server that
is down leaves the user without any answer. The website gateway and Rasa's own channels
use these checks so that each of those cases gets a short French answer instead.

The longest message accepted is BOUSSOLE_MAX_MESSAGE_CHARS (bot/config/settings.py, 2 000 by
default), the same for the website and every channel.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.config import settings

# The default; the limit in force is settings.current().max_message_chars.
MAX_MESSAGE_CHARS = settings.DEFAULT_MAX_MESSAGE_CHARS
MAX_SENDER_CHARS = 128
# C0 and C1 control characters except tab and newline; bidirectional overrides and
# isolates (they can disguise text in the review pages); the BOM; lone surrogates.
_UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")
_SPACES = re.compile(r"[ \t]{2,}")

EMPTY = "Votre message est vide : écrivez votre question, par exemple « C'est quoi l'Assurance Prospection ? »."
NO_ANSWER = (
    "Je ne peux pas vous répondre pour le moment : une partie du service est momentanément "
    "indisponible. Réessayez dans quelques instants ; votre conversation est conservée."
)


def _number(value: int) -> str:
    """French digit grouping, with a narrow no-break space: 100 000."""
    return f"{value:,}".replace(",", "\u202f")


def too_long(length: int, limit: int = MAX_MESSAGE_CHARS) -> str:
    return (
        f"Votre message est trop long ({_number(length)} caractères) : {_number(limit)} au plus. "
        "Merci de le raccourcir ou de le découper en plusieurs questions."
    )


@dataclass
class Checked:
    """A message ready for the model (`text`), or the answer to give instead (`reply`)."""

    text: str | None = None
    reply: str | None = None


def clean(text: str) -> str:
    """The text without invisible control characters, in Unicode NFC form, trimmed."""
    text = _UNWANTED.sub(" ", text)
    text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", text).strip()


def check_message(text, limit: int | None = None) -> Checked:
    """Accepts a string of at most `limit` characters once cleaned (by default
    BOUSSOLE_MAX_MESSAGE_CHARS); anything else gets a French reply. Intent payloads of
    buttons (« /intent{…} ») pass like any text."""
    if limit is None:
        limit = settings.current().max_message_chars
    if not isinstance(text, str):
        return Checked(reply=EMPTY)
    # The length is judged before cleaning so that a huge message costs nothing more.
    if len(text) > limit * 2:
        return Checked(reply=too_long(len(text), limit))
    cleaned = clean(text)
    if not cleaned:
        return Checked(reply=EMPTY)
    if len(cleaned) > limit:
        return Checked(reply=too_long(len(cleaned), limit))
    return Checked(text=cleaned)


_SENDER = re.compile(r"^[\w.:@+-]+$")


def check_sender(sender) -> str | None:
    """The conversation id if it is a usable one (a non-empty string of letters, digits and
    « _.:@+- », as the channels produce), else None."""
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    if not isinstance(sender, str) or not sender or len(sender) > MAX_SENDER_CHARS:
        return None
    return sender if _SENDER.match(sender) else None
