"""Facebook Messenger, on Rasa's event parsing, with:

- a configurable Graph API URL (`api_url`; Graph's own, unversioned, by default);
- the signature checked in constant time, on `X-Hub-Signature-256` (SHA-256) when Meta
  sends it, else `X-Hub-Signature` (SHA-1), and a forged request refused with 403;
- every event of a batch handled (Rasa's parser stops after the first one), once: an event
  whose message `mid` was already processed is ignored, one still being processed is left
  for Meta to send again (bot/rasa_server/channels/replay.py); the `mid` names the Rasa
  message, so that a turn saved by a server that then died is not processed twice;
- replies within Messenger's limits (`layout.messenger_messages`): Rasa's connector sends
  no button at all past three, and lets Meta refuse titles over 20 characters;
- replies and typing indicators sent without holding Rasa's event loop, within a time
  limit, a failure logged rather than raised into the turn
  (bot/rasa_server/channels/platform_http.py): Rasa's connector sends them through
  fbmessenger's blocking client, without any time limit;
- a French word for a photo or a voice message, which Rasa would pass on as a URL.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.facebook import FacebookInput as RasaFacebookInput
from rasa.core.channels.facebook import Messenger
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.core import choices
from bot.rasa_server.channels import layout, platform_http, replay
from bot.rasa_server.channels.guard import guarded_channel

logger = logging.getLogger(__name__)

GRAPH_API_URL = "https://graph.facebook.com"


class MessengerOutput(OutputChannel):
    """Replies through the Send API: Rasa's MessengerBot, with every call awaited."""

    @classmethod
    def name(cls) -> str:
        return "facebook"

    def __init__(self, page_access_token: str, api_url: str = GRAPH_API_URL) -> None:
        super().__init__()
        self.page_access_token = page_access_token
        self.messages_url = f"{api_url.rstrip('/')}/me/messages"

    async def _post(self, what: str, body: dict[str, Any]) -> None:
        await platform_http.post(
            "Messenger", what, self.messages_url, json=body, params={"access_token": self.page_access_token}
        )

    async def send_message(self, recipient_id: str, message: dict[str, Any] | list) -> None:
        await self._post(
            "la réponse",
            {
                "messaging_type": "RESPONSE",
                "notification_type": "REGULAR",
                "recipient": {"id": recipient_id},
                "message": message,
            },
        )

    async def send_action(self, recipient_id: str, sender_action: str) -> None:
        await self._post(
            f"l'indicateur {sender_action}", {"recipient": {"id": recipient_id}, "sender_action": sender_action}
        )

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_text_with_buttons(recipient_id, text, [])

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        for message in layout.messenger_messages(text, buttons, choices.read(kwargs)[0]):
            await self.send_message(recipient_id, message)

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        replies = [
            {"content_type": reply.get("content_type") or "text", "title": reply["title"], "payload": reply["payload"]}
            for reply in quick_replies
        ]
        await self.send_message(recipient_id, {"text": text, "quick_replies": replies})

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.send_message(recipient_id, {"attachment": {"type": "image", "payload": {"url": image}}})

    async def send_elements(self, recipient_id: str, elements: Iterable[dict[str, Any]], **kwargs: Any) -> None:
        elements = [
            {**element, "buttons": [{"type": "postback", **b} for b in element["buttons"]]}
            if "buttons" in element
            else element
            for element in elements
        ]
        template = {"template_type": "generic", "elements": elements}
        await self.send_message(recipient_id, {"attachment": {"type": "template", "payload": template}})

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any] | list, **kwargs: Any) -> None:
        # As Rasa's connector reads it: a « sender » names another recipient.
        parts = json_message if isinstance(json_message, list) else [json_message]
        for part in parts:
            if isinstance(part, dict) and isinstance(part.get("sender"), dict) and "id" in part["sender"]:
                recipient_id = part.pop("sender")["id"]
                break
        await self.send_message(recipient_id, json_message)

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        message = dict(message)
        text, buttons = message.pop("text", None) or "", message.pop("buttons", None) or []
        buttons = layout.with_all_sources(buttons, layout.cited(message))
        if text or buttons:
            await self.send_text_with_buttons(recipient_id, text, buttons, **message)
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

    def __init__(
        self, new_output: Callable[[], MessengerOutput], on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        # Not Rasa's constructor: it builds fbmessenger's blocking client, unused here.
        self.on_new_message = on_new_message
        self.new_output = new_output
        self.last_message: dict[str, Any] = {}
        # The Rasa message id of the event being handled (replay.message_id).
        self.message_id: str | None = None
        # Whether an event of the batch is being processed by another attempt.
        self.busy = False

    async def handle(self, payload: dict, metadata: dict[str, Any] | None) -> None:
        for entry in payload.get("entry") or []:
            for event in entry.get("messaging") or []:
                if not isinstance(event, dict):
                    continue
                async with replay.delivery("facebook", delivery_id(event)) as delivery:
                    if delivery.busy:
                        logger.warning("Messenger : événement déjà en cours de traitement, à renvoyer.")
                        self.busy = True
                        continue
                    if not delivery.new:
                        logger.warning("Messenger : événement déjà traité, ignoré (rejeu ou nouvel envoi).")
                        continue
                    self.last_message, self.message_id = event, delivery.message_id
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
            await self.new_output().send_message(self.get_user_id(), {"text": layout.TEXT_ONLY})
            return
        await self._handle_user_message(text, self.get_user_id(), metadata)

    async def _handle_user_message(self, text: str, sender_id: str, metadata: dict[str, Any] | None) -> None:
        out_channel = self.new_output()
        await out_channel.send_action(sender_id, sender_action="mark_seen")
        await out_channel.send_action(sender_id, sender_action="typing_on")
        try:
            await self.on_new_message(
                UserMessage(
                    text,
                    out_channel,
                    sender_id,
                    input_channel=self.name(),
                    metadata=metadata,
                    message_id=self.message_id,
                )
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

    def get_output_channel(self) -> MessengerOutput:
        return MessengerOutput(self.fb_access_token, self.api_url)

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
            # failing. An event another attempt is processing gets the batch a 503: Meta
            # sends it again later, when that event is done (skipped then) or its attempt
            # dead (processed then, bot/rasa_server/channels/replay.py).
            events = MessengerEvents(self.get_output_channel, on_new_message)
            await events.handle(request.json or {}, self.get_metadata(request))
            if events.busy:
                return response.text("busy", status=503, headers={"Retry-After": "30"})
            return response.text("success")

        return fb_webhook
