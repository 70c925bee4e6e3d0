"""WhatsApp (and SMS) through Twilio, on Rasa's connector, with:

- the `X-Twilio-Signature` checked against the public webhook URL declared at Twilio
  (`webhook_url`); Rasa's connector checks nothing, so anyone could make the bot write to
  any number at the account's expense; a message whose `MessageSid` was already processed
  is ignored (bot/rasa_server/channels/replay.py);
- a configurable REST API URL (`api_url`; Twilio's own by default);
- no buttons on this platform: the choices are numbered in the text with the bot's own
  numbers (`layout.plain_text`), and a bare « 2 » is sent on as the payload of the second,
  as a tap would send it (`choices.picked`); a message over Twilio's 1 600 characters is
  cut at paragraphs instead of refused;
- a French word for a photo or a voice message instead of silence.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.twilio import TwilioInput as RasaTwilioInput
from rasa.core.channels.twilio import TwilioOutput as RasaTwilioOutput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from bot.core import choices
from bot.rasa_server.channels import layout, replay, tracker_payloads
from bot.rasa_server.channels.guard import guarded_channel

logger = logging.getLogger(__name__)

TWILIO_API_URL = "https://api.twilio.com"


class TwilioOutput(RasaTwilioOutput):
    def __init__(
        self,
        account_sid: str | None,
        auth_token: str | None,
        twilio_number: str | None,
        api_url: str = TWILIO_API_URL,
    ) -> None:
        super().__init__(account_sid, auth_token, twilio_number)
        self.api.base_url = api_url.rstrip("/")

    async def send_plain(self, recipient_id: str, body: str) -> None:
        for chunk in layout.split_text(body, layout.TWILIO_BODY_LIMIT):
            await self._send_message({"to": recipient_id, "from_": self.twilio_number, "body": chunk})

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        message = dict(message)
        text, buttons = message.pop("text", None) or "", message.pop("buttons", None) or []
        if text or buttons:
            numbered, holds_last = choices.read(message)
            await self.send_plain(recipient_id, layout.plain_text(text, buttons, numbered, holds_last))
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
            # The same empty answer as for a processed message: an error status would make
            # Twilio call the number's fallback URL and report the webhook as failing.
            sid = request.form.get("MessageSid") or request.form.get("SmsMessageSid")
            if not await replay.first_time("twilio", sid):
                logger.warning("Twilio : message %s déjà traité, ignoré (rejeu ou nouvel envoi).", sid)
                return response.text("", status=204)
            out_channel = self.get_output_channel()
            if not (text or "").strip():
                await out_channel.send_plain(sender, layout.TEXT_ONLY)
                return response.text("", status=204)
            metadata = self.get_metadata(request) or {}
            payload = choices.picked(text, await tracker_payloads.latest_bot_metadata(request, sender))
            if payload:
                # Kept for the conversation's reviewers, who would otherwise read the payload.
                text, metadata = payload, {**metadata, "typed": text}
            try:
                await on_new_message(
                    UserMessage(text, out_channel, sender, input_channel=self.name(), metadata=metadata)
                )
            except Exception as error:  # noqa: BLE001 - Twilio gets its answer whatever happened
                logger.error("Twilio : message non traité (%s).", type(error).__name__)
            return response.text("", status=204)

        return twilio_webhook
