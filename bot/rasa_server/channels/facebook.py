"""Facebook Messenger, on Rasa's event parsing, with:

- a configurable Graph API URL (`api_url`; Graph's own, unversioned, by default);
- the signature checked in constant time, on `X-Hub-Signature-256` (SHA-256) when Meta
  sends it, else `X-Hub-Signature` (SHA-1), and a forged request refused with 403;
- every event of a batch handled (Rasa's parser stops after the first one), once: an event
  whose message `mid` was already processed is ignored (bot/rasa_server/channels/replay.py);
- replies within Messenger's limits (`layout.messenger_messages`): Rasa's connector sends
  no button at all past three, and lets Meta refuse titles over 20 characters;
- a French word for a photo or a voice message, which Rasa would pass on as a URL.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fbmessenger import MessengerClient
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.facebook import FacebookInput as RasaFacebookInput
from rasa.core.channels.facebook import Messenger, MessengerBot
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.core import choices
from bot.rasa_server.channels import layout, replay
from bot.rasa_server.channels.guard import guarded_channel

logger = logging.getLogger(__name__)

GRAPH_API_URL = "https://graph.facebook.com"


def messenger_client(page_access_token: str, api_url: str) -> MessengerClient:
    client = MessengerClient(page_access_token)
    client.graph_url = api_url.rstrip("/")
    return client


class MessengerOutput(MessengerBot):
    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        message = dict(message)
        text, buttons = message.pop("text", None) or "", message.pop("buttons", None) or []
        if text or buttons:
            numbered, _ = choices.read(message)
            for payload in layout.messenger_messages(text, buttons, numbered):
                self.messenger_client.send(payload, recipient_id, "RESPONSE")
        await super().send_response(recipient_id, message)


def delivery_id(event: dict[str, Any]) -> str | None:
    """What identifies a messaging event: the `mid` of its message (or of its postback,
    which Meta sends too), else its sender, timestamp and kind."""
    for kind in ("message", "postback"):
        part = event.get(kind)
        if isinstance(part, dict) and part.get("mid"):
            return str(part["mid"])
    sender = event.get("sender") if isinstance(event.get("sender"), dict) else {}
    kinds = ",".join(sorted(k for k in event if k not in ("sender", "recipient", "timestamp")))
    return f"{sender.get('id')}@{event['timestamp']}:{kinds}" if sender.get("id") and event.get("timestamp") else None


class MessengerEvents(Messenger):
    """Rasa's reading of webhook events, answering through MessengerOutput."""

    def __init__(self, client: MessengerClient, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        super().__init__(client.page_access_token, on_new_message)
        self.client = client

    async def handle(self, payload: dict, metadata: dict[str, Any] | None) -> None:
        for entry in payload.get("entry") or []:
            for event in entry.get("messaging") or []:
                if not isinstance(event, dict):
                    continue
                if not await replay.first_time("facebook", delivery_id(event)):
                    logger.warning("Messenger : événement déjà traité, ignoré (rejeu ou nouvel envoi).")
                    continue
                self.last_message = event
                if event.get("message"):
                    await self.message(event, metadata)
                elif event.get("postback"):
                    await self.postback(event, metadata)

    async def message(self, message: dict[str, Any], metadata: dict[str, Any] | None) -> None:
        if message["message"].get("is_echo"):
            return
        if self._is_quick_reply_message(message):
            text = message["message"]["quick_reply"]["payload"]
        elif self._is_user_message(message):
            text = message["message"]["text"]
        else:
            self.client.send({"text": layout.TEXT_ONLY}, self.get_user_id(), "RESPONSE")
            return
        await self._handle_user_message(text, self.get_user_id(), metadata)

    async def _handle_user_message(self, text: str, sender_id: str, metadata: dict[str, Any] | None) -> None:
        out_channel = MessengerOutput(self.client)
        await out_channel.send_action(sender_id, sender_action="mark_seen")
        await out_channel.send_action(sender_id, sender_action="typing_on")
        try:
            await self.on_new_message(
                UserMessage(text, out_channel, sender_id, input_channel=self.name(), metadata=metadata)
            )
        except Exception as error:  # noqa: BLE001 - the next events of the batch still count
            logger.error("Messenger : message non traité (%s).", type(error).__name__)
        finally:
            await out_channel.send_action(sender_id, sender_action="typing_off")


@guarded_channel
class FacebookInput(RasaFacebookInput):
    api_url = GRAPH_API_URL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> FacebookInput:
        channel = super().from_credentials(credentials)
        channel.api_url = (credentials or {}).get("api_url") or GRAPH_API_URL
        return channel

    def _client(self) -> MessengerClient:
        return messenger_client(self.fb_access_token, self.api_url)

    def get_output_channel(self) -> MessengerOutput:
        return MessengerOutput(self._client())

    def _authentic(self, request: Request) -> bool:
        secret = (self.fb_secret or "").encode("utf-8")
        for header, algorithm in (("X-Hub-Signature-256", hashlib.sha256), ("X-Hub-Signature", hashlib.sha1)):
            given = request.headers.get(header)
            if given:
                expected = f"{algorithm().name}={hmac.new(secret, request.body, algorithm).hexdigest()}"
                return bool(secret) and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
        return False

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        fb_webhook = Blueprint("fb_webhook", __name__)

        @fb_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @fb_webhook.route("/webhook", methods=["GET"])
        async def token_verification(request: Request) -> HTTPResponse:
            given = request.args.get("hub.verify_token") or ""
            if self.fb_verify and hmac.compare_digest(given.encode("utf-8"), self.fb_verify.encode("utf-8")):
                return response.text(request.args.get("hub.challenge") or "")
            logger.warning("Messenger : vérification du webhook refusée (jeton de vérification faux).")
            return response.text("forbidden", status=403)

        @fb_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self._authentic(request):
                logger.warning("Messenger : requête refusée (signature absente ou fausse).")
                return response.text("forbidden", status=403)
            # An event already processed is skipped and the batch still gets its 200: Meta
            # delivers a batch again until it gets one, and disables a webhook that keeps
            # failing.
            events = MessengerEvents(self._client(), on_new_message)
            await events.handle(request.json or {}, self.get_metadata(request))
            return response.text("success")

        return fb_webhook
