"""The website's conversations inside Rasa: a namespace of their own, unguessable ids.

Every channel shares Rasa's tracker store, and a conversation is found there by its
sender id alone. A website visitor therefore never names a Rasa sender: the widget holds
a random 128-bit id (32 hexadecimal digits, drawn by the widget with the browser's
cryptographic generator, or by the server when the widget sends none), and the gateway
talks to Rasa as `web-<id>`. An id of any other form, such as a Telegram chat id or a
Slack user id, is refused with the same 404 as an unknown one, so that nothing is learnt
from the answer and no other channel's conversation can be read or written.
"""

from __future__ import annotations

import re
import secrets

PREFIX = "web-"
CLIENT_ID = re.compile(r"^[0-9a-f]{32}$")


def new_client_id() -> str:
    return secrets.token_hex(16)


def sender_of(client_id) -> str | None:
    """The Rasa sender of a website conversation, or None if `client_id` is not one."""
    if isinstance(client_id, str) and CLIENT_ID.match(client_id):
        return PREFIX + client_id
    return None
