"""Telegram, as Rasa's connector does it, with what it lacks:

- the Bot API server is configurable (`api_url`: a self-hosted Bot API server, or a test
  double); Telegram's own by default;
- the webhook is registered once at start with a secret token, and an update without that
  token in `X-Telegram-Bot-Api-Secret-Token` is refused (anyone can post to a webhook URL),
  and an update whose `update_id` was already processed is ignored (bot/rasa_server/channels/replay.py);
- the bot's name is checked once at start, not with a `getMe` call on every update;
- a tap on a button is acknowledged (the client stops its spinner), and a payload longer
  than the 64 bytes of callback_data travels as a digest, found again among the buttons
  the conversation has shown;
- « /start » (the first message of every Telegram user) greets; a photo or a sticker gets
  a French word instead of silence;
- an answer is one message, its buttons one per row, then « Toutes les sources » when its
  text leaves sources out (bot/rasa_server/channels/all_sources.py).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer
from aiogram.types import Update
from aiogram.utils.exceptions import TelegramAPIError
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.telegram import TelegramInput as RasaTelegramInput
from rasa.core.channels.telegram import TelegramOutput as RasaTelegramOutput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.rasa_server.channels import layout, replay, tracker_payloads
from bot.rasa_server.channels.guard import guarded_channel

logger = logging.getLogger(__name__)

TELEGRAM_API_URL = "https://api.telegram.org"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
UPDATES = ["message", "edited_message", "callback_query"]
# « /start », « /start@BoussoleBot » in a group, « /start campagne » from a link.
START = re.compile(r"\s*/start(@\w+)?(\s|$)")
CHOICE_EXPIRED = "Ce choix n'est plus disponible : posez-moi votre question directement."


class TelegramOutput(RasaTelegramOutput):
    def __init__(self, access_token: str | None, api_url: str = TELEGRAM_API_URL) -> None:
        Bot.__init__(self, access_token, server=TelegramAPIServer.from_base(api_url))

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        message = dict(message)
        text, buttons = message.pop("text", None) or "", message.pop("buttons", None) or []
        buttons = layout.with_all_sources(buttons, layout.cited(message))
        if text or buttons:
            chunks = layout.split_text(text, layout.TELEGRAM_TEXT_LIMIT) or [layout.CHOOSE_PROMPT]
            for chunk in chunks[:-1]:
                await self.send_message(recipient_id, chunk)
            markup = layout.telegram_keyboard(buttons) if buttons else None
            await self.send_message(recipient_id, chunks[-1], reply_markup=markup)
        # Images, custom JSON…: as Rasa sends them.
        await super().send_response(recipient_id, message)


@guarded_channel
class TelegramInput(RasaTelegramInput):
    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TelegramInput:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            credentials.get("access_token"),
            credentials.get("verify"),
            credentials.get("webhook_url"),
            secret_token=credentials.get("secret_token"),
            api_url=credentials.get("api_url") or TELEGRAM_API_URL,
        )

    def __init__(
        self,
        access_token: str | None,
        verify: str | None,
        webhook_url: str | None,
        debug_mode: bool = False,
        secret_token: str | None = None,
        api_url: str = TELEGRAM_API_URL,
    ) -> None:
        # Not in debug mode: an error must not become a 500, which Telegram would retry.
        super().__init__(access_token, verify, webhook_url, debug_mode)
        if not secret_token:
            raise RasaException("Telegram : définissez BOUSSOLE_TELEGRAM_SECRET (le jeton secret du webhook).")
        self.secret_token = secret_token
        self.api_url = api_url

    def get_output_channel(self) -> TelegramOutput:
        # Rasa's version registers the webhook each time it is called, which fails inside
        # the running server (asyncio.run); it is registered once, in `blueprint`.
        return TelegramOutput(self.access_token, self.api_url)

    async def _register_webhook(self) -> None:
        bot = self.get_output_channel()
        try:
            me = await bot.get_me()
            if self.verify and me.username != self.verify:
                raise RasaException(
                    f"Telegram : le jeton est celui du bot « {me.username} », pas de "
                    f"« {self.verify} » (BOUSSOLE_TELEGRAM_BOT_NAME)."
                )
            await bot.request(
                "setWebhook",
                {"url": self.webhook_url, "secret_token": self.secret_token, "allowed_updates": json.dumps(UPDATES)},
            )
        except TelegramAPIError as error:
            raise RasaException(f"Telegram : impossible d'enregistrer le webhook ({error}).") from None
        finally:
            await bot.session.close()

    def _authentic(self, request: Request) -> bool:
        given = request.headers.get(SECRET_HEADER, "")
        return hmac.compare_digest(given.encode("utf-8"), self.secret_token.encode("utf-8"))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # Rasa builds its channels before its event loop runs: a loop of our own, closed after.
        asyncio.run(self._register_webhook())
        telegram_webhook = Blueprint("telegram_webhook", __name__)
        out_channel = self.get_output_channel()

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            if not self._authentic(request):
                logger.warning("Telegram : mise à jour refusée (jeton secret absent ou faux).")
                return response.text("forbidden", status=403)
            try:
                update = Update(**(request.json or {}))
            except Exception:  # noqa: BLE001 - whatever is malformed, the answer is the same
                return response.text("bad request", status=400)
            async with replay.delivery("telegram", update.update_id) as delivery:
                if delivery.busy:
                    # Telegram sends an update again until it gets a 2xx: it will come back
                    # once the attempt under way is done, or dead (replay.py).
                    logger.warning(
                        "Telegram : mise à jour %s déjà en cours de traitement, à renvoyer.", update.update_id
                    )
                    return response.text("busy", status=503, headers={"Retry-After": "30"})
                # 200 for an update already processed: a replay by someone else gets nothing more.
                if not delivery.new:
                    logger.warning(
                        "Telegram : mise à jour %s déjà traitée, ignorée (rejeu ou nouvel envoi).", update.update_id
                    )
                    return response.text("success")
                return await self._handle(request, update, out_channel, on_new_message, delivery.message_id)

        return telegram_webhook

    async def _handle(
        self,
        request: Request,
        update: Update,
        out_channel: TelegramOutput,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        message_id: str | None,
    ) -> HTTPResponse:
        if update.callback_query:
            query = update.callback_query
            chat_id = str(query.message.chat.id if query.message else query.from_user.id)
            text = layout.find_payload(query.data or "", await tracker_payloads.shown_buttons(request, chat_id))
            try:
                await out_channel.answer_callback_query(query.id)
            except TelegramAPIError:
                pass  # only the client's spinner depends on it
        else:
            msg = update.message or update.edited_message
            if msg is None:
                return response.text("success")
            chat_id, text = str(msg.chat.id), msg.text
            if text is None:
                await out_channel.send_message(chat_id, layout.TEXT_ONLY)
                return response.text("success")
            if START.match(text):
                text = "/greet"
        if text is None:
            await out_channel.send_message(chat_id, CHOICE_EXPIRED)
            return response.text("success")
        try:
            await on_new_message(
                UserMessage(
                    text,
                    out_channel,
                    chat_id,
                    input_channel=self.name(),
                    metadata=self.get_metadata(request),
                    message_id=message_id,
                )
            )
        except Exception as error:  # noqa: BLE001 - Telegram would retry the update forever
            logger.error("Telegram : message non traité (%s).", type(error).__name__)
        return response.text("success")
