"""Microsoft Bot Framework (Teams), on Rasa's connector, with:

- configurable identity endpoints: the OpenID configuration whose keys sign the incoming
  tokens (`openid_url`) and the token endpoint of the bot's own replies (`token_url`: a
  single-tenant bot uses its tenant's, not the multi-tenant default);
- the incoming token checked as Microsoft requires and Rasa's connector does not: RS256
  only, the issuer of that OpenID configuration, the key endorsed for the activity's
  channel, and a `serviceUrl` claim equal to the activity's (the token's expiry and
  audience, the bot's app id, are checked too, with Microsoft's five minutes of clock
  skew). Replies go to that serviceUrl with the bot's access token: a forged activity
  must not be able to redirect them. An activity whose `id` was already processed in
  its conversation is ignored (bot/rasa_server/channels/replay.py);
- replies and the bot's access token fetched without holding Rasa's event loop (aiohttp
  instead of requests), within a time limit, a failure logged rather than raised into the
  turn (bot/rasa_server/channels/platform_http.py); the signing keys, renewed daily while
  webhooks arrive, are fetched in a thread, not in the event loop;
- one activity per answer, in plain text, its buttons on hero cards as messageBack
  actions (Rasa sends its raw {"title", "payload"}, which is not a Bot Framework card
  action);
- the « @Boussole » of a mention in a Teams channel taken out of the text.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import jwt
import requests
from jwt import PyJWTError
from jwt.algorithms import RSAAlgorithm
from rasa.core.channels.botframework import BotFramework
from rasa.core.channels.botframework import BotFrameworkInput as RasaBotFrameworkInput
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.rasa_server.channels import layout, platform_http, replay
from bot.rasa_server.channels.guard import guarded_channel

logger = logging.getLogger(__name__)

OPENID_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
TOKEN_URL = "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"
TOKEN_SCOPE = "https://api.botframework.com/.default"
# Microsoft allows five minutes of clock skew between its servers and the bot's.
CLOCK_SKEW_S = 300
KEYS_MAX_AGE = datetime.timedelta(days=1)
BEARER = re.compile(r"Bearer\s+(\S+)")
MENTION = re.compile(r"<at>.*?</at>")
# Fetched once at start, then daily in a thread: a slow identity endpoint delays that
# request alone.
KEYS_TIMEOUT_S = 20


class BotFrameworkOutput(BotFramework):
    # (token URL, app id) → (access token, expiry as time.monotonic()).
    _tokens: dict[tuple[str, str], tuple[str, float]] = {}

    def __init__(
        self,
        app_id: str,
        app_password: str,
        conversation: dict[str, Any],
        bot: dict[str, Any],
        service_url: str,
        token_url: str = TOKEN_URL,
    ) -> None:
        super().__init__(app_id, app_password, conversation, bot, service_url)
        self.token_url = token_url

    async def _get_headers(self) -> dict[str, Any] | None:
        key = (self.token_url, self.app_id)
        token, expiry = self._tokens.get(key, ("", 0.0))
        if time.monotonic() >= expiry:
            form = {
                "grant_type": "client_credentials",
                "client_id": self.app_id,
                "client_secret": self.app_password,
                "scope": TOKEN_SCOPE,
            }
            data = await platform_http.post("Bot Framework", "la demande de jeton d'accès", self.token_url, data=form)
            if data is None:
                return None
            if not isinstance(data.get("access_token"), str):
                logger.error("Bot Framework : réponse sans jeton d'accès de %s.", self.token_url)
                return None
            token = data["access_token"]
            # Renewed a minute early, so that it never expires on its way.
            self._tokens[key] = (token, time.monotonic() + int(data.get("expires_in", 3600)) - 60)
        return {"content-type": "application/json", "Authorization": f"Bearer {token}"}

    async def send(self, message_data: dict[str, Any]) -> None:
        headers = await self._get_headers()
        if headers is None:
            return
        url = f"{self.global_uri}conversations/{self.conversation['id']}/activities"
        await platform_http.post("Bot Framework", "la réponse", url, json=message_data, headers=headers)

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        message = dict(message)
        text, buttons = message.pop("text", None) or "", message.pop("buttons", None) or []
        buttons = layout.with_all_sources(buttons, layout.cited(message))
        if text or buttons:
            for part in layout.teams_activities(text, buttons):
                await self.send(self.prepare_message(recipient_id, part))
        await super().send_response(recipient_id, message)


@guarded_channel
class BotFrameworkInput(RasaBotFrameworkInput):
    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> BotFrameworkInput:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            credentials.get("app_id"),
            credentials.get("app_password"),
            openid_url=credentials.get("openid_url") or OPENID_URL,
            token_url=credentials.get("token_url") or TOKEN_URL,
        )

    def __init__(
        self, app_id: str, app_password: str, openid_url: str = OPENID_URL, token_url: str = TOKEN_URL
    ) -> None:
        # Set before Rasa's constructor, which fetches the keys.
        self.openid_url, self.token_url, self.issuer = openid_url, token_url, ""
        super().__init__(app_id, app_password)

    def _update_cached_jwk_keys(self) -> None:
        configuration = requests.get(self.openid_url, timeout=KEYS_TIMEOUT_S)
        configuration.raise_for_status()
        conf = configuration.json()
        keys = requests.get(conf["jwks_uri"], timeout=KEYS_TIMEOUT_S)
        keys.raise_for_status()
        self.jwt_keys = {key["kid"]: key for key in keys.json()["keys"]}
        self.issuer = conf["issuer"]
        self.jwt_update_time = datetime.datetime.now()

    async def _refusal(self, authorization: str | None, activity: dict[str, Any]) -> str | None:
        """Why the request must be refused, or None."""
        if datetime.datetime.now() - self.jwt_update_time > KEYS_MAX_AGE:
            try:
                # Rasa's constructor fetches them the same way, before the event loop runs.
                await asyncio.get_running_loop().run_in_executor(None, self._update_cached_jwk_keys)
            except (requests.RequestException, KeyError, ValueError) as error:
                logger.warning("Bot Framework : clés non renouvelées (%s).", type(error).__name__)
        match = BEARER.fullmatch((authorization or "").strip())
        if not match:
            return "no bearer token"
        try:
            header = jwt.get_unverified_header(match.group(1))
            key = self.jwt_keys.get(header.get("kid"))
            if key is None:
                return "unknown key"
            claims = jwt.decode(
                match.group(1),
                key=RSAAlgorithm.from_jwk(key),
                algorithms=["RS256"],
                audience=self.app_id,
                issuer=self.issuer,
                leeway=CLOCK_SKEW_S,
                options={"require": ["exp", "iss", "aud"]},
            )
        except PyJWTError as error:
            return f"invalid token ({type(error).__name__})"
        endorsements = key.get("endorsements")
        if endorsements is not None and activity.get("channelId") not in endorsements:
            return "key not endorsed for this channel"
        if claims.get("serviceUrl") != activity.get("serviceUrl"):
            return "serviceUrl does not match the token"
        return None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        botframework_webhook = Blueprint("botframework_webhook", __name__)

        @botframework_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @botframework_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            activity = request.json if isinstance(request.json, dict) else {}
            refusal = await self._refusal(request.headers.get("Authorization"), activity)
            if refusal:
                logger.warning("Bot Framework : requête refusée (%s).", refusal)
                return response.text("Unauthorized", status=401)
            if activity.get("type") != "message":
                return response.text("success")
            conversation = activity.get("conversation") if isinstance(activity.get("conversation"), dict) else {}
            activity_id = activity.get("id")
            delivery_key = f"{conversation.get('id')}|{activity_id}" if activity_id else None
            async with replay.delivery("botframework", delivery_key) as delivery:
                # The Connector delivers an activity again when the first delivery failed or
                # timed out: while another attempt processes it, a 503 has it sent later (done
                # by then, or that attempt dead, replay.py); 200 for an activity already
                # processed, and a replay by someone else gets nothing more.
                if delivery.busy:
                    logger.warning("Bot Framework : activité déjà en cours de traitement, à renvoyer.")
                    return response.text("busy", status=503, headers={"Retry-After": "30"})
                if not delivery.new:
                    logger.warning("Bot Framework : activité déjà traitée, ignorée (rejeu ou nouvel envoi).")
                    return response.text("success")
                await self._handle(request, activity, on_new_message, delivery.message_id)
            return response.text("success")

        return botframework_webhook

    async def _handle(
        self,
        request: Request,
        activity: dict[str, Any],
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        message_id: str | None,
    ) -> None:
        try:
            out_channel = BotFrameworkOutput(
                self.app_id,
                self.app_password,
                activity["conversation"],
                activity["recipient"],
                activity["serviceUrl"],
                self.token_url,
            )
            text = MENTION.sub("", activity.get("text") or "").strip()
            if not text:
                notice = {"text": layout.TEXT_ONLY, "textFormat": "plain"}
                await out_channel.send(out_channel.prepare_message(activity["from"]["id"], notice))
                return
            metadata = self.add_attachments_to_metadata(activity, self.get_metadata(request))
            await on_new_message(
                UserMessage(
                    text,
                    out_channel,
                    activity["from"]["id"],
                    input_channel=self.name(),
                    metadata=metadata,
                    message_id=message_id,
                )
            )
        except Exception as error:  # noqa: BLE001 - the service gets its answer whatever happened
            logger.error("Bot Framework : message non traité (%s).", type(error).__name__)
