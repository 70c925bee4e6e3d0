"""Rasa's REST channel, guarded: checked input, French errors, never a silent turn.

Same URL and same answers as Rasa's own (`/webhooks/rest/webhook`, a JSON list of
messages, `?stream=true` for `rasa shell`), with five differences (bot/message_checks.py):
a request without a usable sender or message is refused in French instead of being
filed under a shared « default » conversation; an empty or oversized message gets a
French answer without reaching the model; and a turn that produced no answer at all (the
action server is down: Rasa logs the error and carries on) gets a polite one; and the
client's `input_channel` is ignored, so that no REST client passes its turns off as
Telegram's or Slack's (the review page and the logs tell channels apart by it); and the
message keeps an id across retries: the body's `message_id`, else the header nginx adds
to every request it passes on (`MESSAGE_ID_HEADER`, its `$request_id`, the same when it
hands the request to a second server), so that a message sent again is answered once
(bot/rasa_server/processed_messages.py).

This channel is internal: the website's gateway and `make shell` use it; no deployment
publishes it (nginx's public entry and docs/deploy.md list what is published).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from rasa.core.channels import rest
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from bot.config import settings
from bot.rasa_client import MAX_MESSAGE_ID_CHARS, check_message_id
from bot.rasa_server import message_checks
from bot.rasa_server.channels.collector import SourcesCollector
from bot.rasa_server.channels.guard import handle_turn

# Written by nginx (bot/multiserver/nginx.conf.template); absent when a client calls Rasa directly.
MESSAGE_ID_HEADER = "X-Boussole-Message-Id"


def refuse(status: int, message: str):
    return response.json({"error": message}, status=status, dumps=_dumps)


def _dumps(value) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


class RestInput(rest.RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint(f"guarded_webhook_{type(self).__name__}", __name__)
        # Read once, when Rasa builds its channels: a wrong value stops it at start.
        limit = settings.current().max_message_chars

        @webhook.route("/", methods=["GET"])
        async def health(_: Request):
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request):
            try:
                body = request.json
            except Exception:  # noqa: BLE001 - Sanic raises its own error on any bad body
                body = None
            if not isinstance(body, dict):
                return refuse(400, 'Requête illisible : un objet JSON {"sender": "…", "message": "…"} est attendu.')
            sender = message_checks.check_sender(body.get("sender"))
            if sender is None:
                return refuse(
                    400,
                    "Le champ « sender » (identifiant de la conversation : lettres, chiffres, "
                    f"« _.:@+- », {message_checks.MAX_SENDER_CHARS} caractères au plus) est obligatoire.",
                )
            metadata = body.get("metadata")
            if metadata is not None and not isinstance(metadata, dict):
                return refuse(400, "Le champ « metadata » doit être un objet JSON.")
            message_id = body.get("message_id")
            if message_id is None:
                message_id = check_message_id(request.headers.get(MESSAGE_ID_HEADER))
            elif check_message_id(message_id) is None:
                return refuse(
                    400,
                    "Le champ « message_id » (identifiant du message : lettres sans accent, chiffres, « _.:- », "
                    f"{MAX_MESSAGE_ID_CHARS} caractères au plus) est mal formé.",
                )
            checked = message_checks.check_message(body.get("message"), limit)
            if checked.reply:
                return response.json([{"recipient_id": sender, "text": checked.reply}], dumps=_dumps)
            input_channel = self.name()
            if rasa_bool(request.args.get("stream")):
                return response.stream(
                    self.stream_response(on_new_message, checked.text, sender, input_channel, metadata),
                    content_type="text/event-stream",
                )
            # Each answer also carries the sources its reply cites, as data.
            collector = SourcesCollector()
            await handle_turn(
                on_new_message,
                UserMessage(
                    checked.text,
                    collector,
                    sender,
                    input_channel=input_channel,
                    message_id=message_id,
                    metadata=metadata,
                ),
            )
            return response.json(collector.messages, dumps=_dumps)

        return webhook


def rasa_bool(value) -> bool:
    return str(value).lower() in ("true", "1", "yes")
