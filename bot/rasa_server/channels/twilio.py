"""WhatsApp (and SMS) through Twilio, on Rasa's connector, with:

- the `X-Twilio-Signature` checked against the public webhook URL declared at Twilio
  (`webhook_url`); Rasa's connector checks nothing, so anyone could make the bot write to
  any number at the account's expense; a message whose `MessageSid` was already processed
  is ignored (bot/rasa_server/channels/replay.py);
- a configurable REST API URL (`api_url`; Twilio's own by default);
- replies sent without holding Rasa's event loop, within a time limit, a failure logged
  rather than raised into the turn (bot/rasa_server/channels/platform_http.py): Rasa's
  connector sends them through Twilio's blocking client, retried up to five times;
- no buttons on this platform: the choices are numbered in the text with the bot's own
  numbers (`layout.plain_text`), and a bare « 2 » is sent on as the payload of the second,
  as a tap would send it (`choices.picked`); a message over Twilio's 1 600 characters is
  cut at paragraphs instead of refused;
- an answer whose text leaves sources out says to reply « sources », and that reply gets
  them all (bot/rasa_server/channels/all_sources.py);
- a French word for a photo or a voice message instead of silence.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.twilio import TwilioInput as RasaTwilioInput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from bot.core import choices
from bot.rasa_server.channels import layout, platform_http, replay, tracker_payloads
from bot.rasa_server.channels.guard import guarded_channel

logger = logging.getLogger(__name__)

TWILIO_API_URL = "https://api.twilio.com"


def message_form(fields: dict[str, Any]) -> list[tuple[str, str]]:
    """The form of Twilio's « create a Message » request from the Python names Rasa and
    Twilio's client use (`to`, `from_`, `media_url`…: To, From, MediaUrl…); a list is
    repeated, as Twilio reads several MediaUrl; a boolean is written as Twilio's `true`."""
    form = []
    for name, value in fields.items():
        if value is None:
            continue
        field = "".join(part.capitalize() for part in name.strip("_").split("_"))
        for item in value if isinstance(value, (list, tuple)) else [value]:
            form.append((field, str(item).lower() if isinstance(item, bool) else str(item)))
    return form


class TwilioOutput(OutputChannel):
    @classmethod
    def name(cls) -> str:
        return "twilio"

    def __init__(
        self,
        account_sid: str | None,
        auth_token: str | None,
        twilio_number: str | None,
        api_url: str = TWILIO_API_URL,
    ) -> None:
        super().__init__()
        self.account_sid, self.auth_token, self.twilio_number = account_sid, auth_token, twilio_number
        self.messages_url = f"{api_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"

    async def _send_message(self, fields: dict[str, Any]) -> dict | None:
        return await platform_http.post(
            "Twilio",
            "la réponse",
            self.messages_url,
            data=message_form(fields),
            auth=aiohttp.BasicAuth(self.account_sid or "", self.auth_token or ""),
        )

    async def send_plain(self, recipient_id: str, body: str) -> None:
        for chunk in layout.split_text(body, layout.TWILIO_BODY_LIMIT):
            await self._send_message({"to": recipient_id, "from_": self.twilio_number, "body": chunk})

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_plain(recipient_id, text)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send_message({"to": recipient_id, "from_": self.twilio_number, "media_url": [image]})

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        # As Rasa's connector reads it: Twilio's own parameters, in its client's names.
        fields = {"to": recipient_id, **json_message}
        if not fields.get("media_url"):
            fields.setdefault("body", "")
        if not fields.get("messaging_service_sid"):
            fields.setdefault("from_", self.twilio_number)
        await self._send_message(fields)

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        message = dict(message)
        text, buttons = message.pop("text", None) or "", message.pop("buttons", None) or []
        if text or buttons:
            numbered, holds_last = choices.read(message)
            left_out = layout.hides_sources(layout.cited(message))
            await self.send_plain(recipient_id, layout.plain_text(text, buttons, numbered, holds_last, left_out))
        await super().send_response(recipient_id, message)


@guarded_channel
class TwilioInput(RasaTwilioInput):
    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TwilioInput:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            credentials.get("account_sid"),
            credentials.get("auth_token"),
            credentials.get("twilio_number"),
            webhook_url=credentials.get("webhook_url"),
            api_url=credentials.get("api_url") or TWILIO_API_URL,
        )

    def __init__(
        self,
        account_sid: str | None,
        auth_token: str | None,
        twilio_number: str | None,
        debug_mode: bool = False,
        webhook_url: str | None = None,
        api_url: str = TWILIO_API_URL,
    ) -> None:
        super().__init__(account_sid, auth_token, twilio_number, debug_mode)
        if not webhook_url or not auth_token:
            raise RasaException(
                "Twilio : définissez BOUSSOLE_TWILIO_AUTH_TOKEN et BOUSSOLE_TWILIO_WEBHOOK_URL "
                "(l'adresse publique du webhook déclarée chez Twilio)."
            )
        self.webhook_url = webhook_url
        self.api_url = api_url

    def get_output_channel(self) -> TwilioOutput:
        return TwilioOutput(self.account_sid, self.auth_token, self.twilio_number, self.api_url)

    def _authentic(self, request: Request) -> bool:
        """Twilio signs the URL it called (the public one, before any proxy) and the form."""
        signature = request.headers.get("X-Twilio-Signature", "")
        return bool(signature) and RequestValidator(self.auth_token).validate(self.webhook_url, request.form, signature)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        twilio_webhook = Blueprint("twilio_webhook", __name__)

        @twilio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @twilio_webhook.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            if not self._authentic(request):
                logger.warning("Twilio : requête refusée (signature absente ou fausse).")
                return response.text("forbidden", status=403)
            sender, text = request.form.get("From"), request.form.get("Body")
            if not sender:
                return response.text("bad request", status=400)
            sid = request.form.get("MessageSid") or request.form.get("SmsMessageSid")
            async with replay.delivery("twilio", sid) as delivery:
                # The same empty answer as for a processed message, also while another attempt
                # processes it: an error status would make Twilio call the number's fallback
                # URL and report the webhook as failing.
                if not delivery.new:
                    logger.warning(
                        "Twilio : message %s déjà %s, ignoré (rejeu ou nouvel envoi).",
                        sid,
                        "en cours de traitement" if delivery.busy else "traité",
                    )
                    return response.text("", status=204)
                return await self._handle(request, on_new_message, sender, text, delivery.message_id)

        return twilio_webhook

    async def _handle(
        self,
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        sender: str,
        text: str | None,
        message_id: str | None,
    ) -> HTTPResponse:
        out_channel = self.get_output_channel()
        if not (text or "").strip():
            await out_channel.send_plain(sender, layout.TEXT_ONLY)
            return response.text("", status=204)
        metadata = self.get_metadata(request) or {}
        latest = await tracker_payloads.latest_bot_metadata(request, sender)
        payload = choices.picked(text, latest) or layout.sources_asked(text, latest)
        if payload:
            # Kept for the conversation's reviewers, who would otherwise read the payload.
            text, metadata = payload, {**metadata, "typed": text}
        try:
            await on_new_message(
                UserMessage(
                    text, out_channel, sender, input_channel=self.name(), metadata=metadata, message_id=message_id
                )
            )
        except Exception as error:  # noqa: BLE001 - Twilio gets its answer whatever happened
            logger.error("Twilio : message non traité (%s).", type(error).__name__)
        return response.text("", status=204)
