"""Loopback stand-ins for the messaging platforms' APIs, and a callback receiver.

One aiohttp server, run in a thread of the test process, answers what Boussole's
connectors call, in each platform's documented format, and records every request:

- Telegram Bot API (`/telegram/bot<token>/<method>`): getMe, setWebhook, sendMessage,
  answerCallbackQuery;
- Slack Web API (`/slack/api/chat.postMessage`), Bearer token checked;
- Messenger Send API (`/facebook/me/messages`), page access token checked;
- Twilio REST API (`/twilio/2010-04-01/Accounts/<sid>/Messages.json`), basic auth checked;
- Bot Framework: an OpenID configuration and its JWKS with a key of this server's own (so
  that the connector verifies the tokens the tests sign, for real), the token endpoint of
  the bot's replies, and a Connector service (`/botframework/service/`) that accepts only
  the access token it issued;
- the gateway of Rasa's callback channel (`/callback`).

Messenger, Twilio and the Bot Framework Connector can be made slow for some recipients
(`slow_recipients`), as a platform is when it struggles: their requests are answered late,
and record when (`answered_at`, beside `received_at`).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from bot.tools.processes import free_port

TELEGRAM_TOKEN = "7123456789:AAF-faux-jeton-telegram-pour-les-tests_x"
TELEGRAM_BOT_NAME = "BoussoleExportBot"
TELEGRAM_SECRET = "secret-webhook-telegram-" + uuid.uuid4().hex
TELEGRAM_WEBHOOK_URL = "https://boussole.example.fr/webhooks/telegram/webhook"
SLACK_TOKEN = "xoxb-faux-jeton-slack-" + uuid.uuid4().hex[:12]
SLACK_SIGNING_SECRET = "secret-de-signature-slack-" + uuid.uuid4().hex
FACEBOOK_VERIFY_TOKEN = "verification-messenger-" + uuid.uuid4().hex[:8]
FACEBOOK_APP_SECRET = "secret-application-messenger-" + uuid.uuid4().hex
FACEBOOK_PAGE_TOKEN = "EAAfaux-jeton-de-page-" + uuid.uuid4().hex
TWILIO_ACCOUNT_SID = "AC" + uuid.uuid4().hex
TWILIO_AUTH_TOKEN = uuid.uuid4().hex
TWILIO_NUMBER = "whatsapp:+14155238886"
TWILIO_WEBHOOK_URL = "https://boussole.example.fr/webhooks/twilio/webhook"
BOTFRAMEWORK_APP_ID = str(uuid.uuid4())
BOTFRAMEWORK_APP_PASSWORD = "mot-de-passe-application-" + uuid.uuid4().hex
BOTFRAMEWORK_ISSUER = "https://api.botframework.com"
BOTFRAMEWORK_KEY_ID = "cle-de-test-1"
TWILIO_REFUSAL = "The 'To' number is not a valid phone number."

SECRETS = (
    TELEGRAM_TOKEN,
    TELEGRAM_SECRET,
    SLACK_TOKEN,
    SLACK_SIGNING_SECRET,
    FACEBOOK_VERIFY_TOKEN,
    FACEBOOK_APP_SECRET,
    FACEBOOK_PAGE_TOKEN,
    TWILIO_AUTH_TOKEN,
    BOTFRAMEWORK_APP_PASSWORD,
)


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakePlatforms:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.records: dict[str, list[dict]] = defaultdict(list)
        self._changed = threading.Condition()
        self._ids = itertools.count(1000)
        self.signing_key = new_rsa_key()
        self.botframework_access_token = "jeton-d-acces-bot-framework-" + uuid.uuid4().hex
        self.botframework_service_url = f"{self.url}/botframework/service/"
        # Chats whose sendMessage fails as Telegram fails it for a chat it does not know.
        self.telegram_failing_chats: set = set()
        # Recipient (a Messenger PSID, a WhatsApp number, a Teams conversation) → seconds
        # before its requests are answered.
        self.slow_recipients: dict[str, float] = {}
        # WhatsApp numbers Twilio refuses to write to.
        self.refused_recipients: set = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # --- what Rasa is started with ---------------------------------------------------------

    @property
    def env(self) -> dict[str, str]:
        return {
            "BOUSSOLE_CALLBACK_URL": f"{self.url}/callback",
            "BOUSSOLE_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
            "BOUSSOLE_TELEGRAM_BOT_NAME": TELEGRAM_BOT_NAME,
            "BOUSSOLE_TELEGRAM_WEBHOOK_URL": TELEGRAM_WEBHOOK_URL,
            "BOUSSOLE_TELEGRAM_SECRET": TELEGRAM_SECRET,
            "BOUSSOLE_TELEGRAM_API_URL": f"{self.url}/telegram",
            "BOUSSOLE_SLACK_TOKEN": SLACK_TOKEN,
            "BOUSSOLE_SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
            "BOUSSOLE_SLACK_API_URL": f"{self.url}/slack/api/",
            "BOUSSOLE_FACEBOOK_VERIFY_TOKEN": FACEBOOK_VERIFY_TOKEN,
            "BOUSSOLE_FACEBOOK_APP_SECRET": FACEBOOK_APP_SECRET,
            "BOUSSOLE_FACEBOOK_PAGE_TOKEN": FACEBOOK_PAGE_TOKEN,
            "BOUSSOLE_FACEBOOK_API_URL": f"{self.url}/facebook",
            "BOUSSOLE_TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT_SID,
            "BOUSSOLE_TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN,
            "BOUSSOLE_TWILIO_NUMBER": TWILIO_NUMBER,
            "BOUSSOLE_TWILIO_WEBHOOK_URL": TWILIO_WEBHOOK_URL,
            "BOUSSOLE_TWILIO_API_URL": f"{self.url}/twilio",
            "BOUSSOLE_BOTFRAMEWORK_APP_ID": BOTFRAMEWORK_APP_ID,
            "BOUSSOLE_BOTFRAMEWORK_APP_PASSWORD": BOTFRAMEWORK_APP_PASSWORD,
            "BOUSSOLE_BOTFRAMEWORK_OPENID_URL": f"{self.url}/botframework/openid",
            "BOUSSOLE_BOTFRAMEWORK_TOKEN_URL": f"{self.url}/botframework/token",
        }

    # --- what the tests read -----------------------------------------------------------------

    def _record(self, platform: str, entry: dict) -> dict:
        with self._changed:
            self.records[platform].append({**entry, "received_at": time.monotonic()})
            self._changed.notify_all()
            return self.records[platform][-1]

    async def _answer_late(self, entry: dict, recipient: str) -> None:
        delay = self.slow_recipients.get(recipient)
        if delay:
            await asyncio.sleep(delay)
            with self._changed:
                entry["answered_at"] = time.monotonic()
                self._changed.notify_all()

    def received(self, platform: str, where: Callable[[dict], bool] = lambda _: True) -> list[dict]:
        with self._changed:
            return [entry for entry in self.records[platform] if where(entry)]

    def wait_for(self, platform: str, where: Callable[[dict], bool], count: int = 1, timeout: float = 90) -> list[dict]:
        """The matching requests, once there are `count` of them; fails with what came instead."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [entry for entry in self.records[platform] if where(entry)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    recent = json.dumps(self.records[platform][-5:], ensure_ascii=False, indent=1)[:3000]
                    raise AssertionError(
                        f"{platform} : {len(found)} requête(s) attendue(s) sur {count} après "
                        f"{timeout:.0f} s ; dernières reçues :\n{recent}"
                    )
                self._changed.wait(left)

    def botframework_token(
        self,
        service_url: str,
        audience: str = BOTFRAMEWORK_APP_ID,
        issuer: str = BOTFRAMEWORK_ISSUER,
        key: rsa.RSAPrivateKey | None = None,
        issued_ago: int = 5,
        lifetime: int = 3600,
    ) -> str:
        """A token as the Bot Framework Connector signs it for a bot's webhook, issued
        `issued_ago` seconds ago, valid for `lifetime` seconds."""
        now = int(time.time())
        claims = {
            "iss": issuer,
            "aud": audience,
            "serviceUrl": service_url,
            "nbf": now - issued_ago,
            "iat": now - issued_ago,
            "exp": now - issued_ago + lifetime,
        }
        return jwt.encode(claims, key or self.signing_key, algorithm="RS256", headers={"kid": BOTFRAMEWORK_KEY_ID})

    # --- Telegram ----------------------------------------------------------------------------

    async def _telegram(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        params = dict(await request.post())
        self._record("telegram", {"method": method, "params": params})
        if token != TELEGRAM_TOKEN:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        if method == "getMe":
            result = {
                "id": int(TELEGRAM_TOKEN.split(":")[0]),
                "is_bot": True,
                "first_name": "Boussole Export",
                "username": TELEGRAM_BOT_NAME,
            }
        elif method in ("setWebhook", "answerCallbackQuery"):
            result = True
        elif method == "sendMessage" and params.get("chat_id") in self.telegram_failing_chats:
            return web.json_response(
                {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}, status=400
            )
        elif method == "sendMessage":
            result = {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "text": params.get("text", ""),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
            }
        else:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        return web.json_response({"ok": True, "result": result})

    # --- Slack -------------------------------------------------------------------------------

    async def _slack(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._record(
            "slack",
            {
                "method": request.match_info["method"],
                "body": body,
                "authorization": request.headers.get("Authorization"),
            },
        )
        if request.headers.get("Authorization") != f"Bearer {SLACK_TOKEN}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if request.match_info["method"] != "chat.postMessage":
            return web.json_response({"ok": False, "error": "unknown_method"})
        return web.json_response(
            {
                "ok": True,
                "channel": body.get("channel"),
                "ts": f"{time.time():.6f}",
                "message": {"type": "message", "text": body.get("text", "")},
            }
        )

    # --- Messenger ---------------------------------------------------------------------------

    async def _facebook(self, request: web.Request) -> web.Response:
        body = await request.json()
        await self._answer_late(self._record("facebook", {"body": body}), body["recipient"]["id"])
        if request.query.get("access_token") != FACEBOOK_PAGE_TOKEN:
            return web.json_response(
                {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}}, status=400
            )
        return web.json_response({"recipient_id": body["recipient"]["id"], "message_id": f"m_{next(self._ids)}"})

    # --- Twilio ------------------------------------------------------------------------------

    async def _twilio(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        await self._answer_late(self._record("twilio", {"form": form}), form.get("To"))
        expected = "Basic " + base64.b64encode(f"{TWILIO_ACCOUNT_SID}:{TWILIO_AUTH_TOKEN}".encode()).decode()
        if request.match_info["sid"] != TWILIO_ACCOUNT_SID or request.headers.get("Authorization") != expected:
            return web.json_response({"code": 20003, "message": "Authenticate", "status": 401}, status=401)
        if form.get("To") in self.refused_recipients:
            return web.json_response({"code": 21211, "message": TWILIO_REFUSAL, "status": 400}, status=400)
        sid = f"SM{uuid.uuid4().hex}"
        return web.json_response(
            {
                "sid": sid,
                "account_sid": TWILIO_ACCOUNT_SID,
                "to": form.get("To"),
                "from": form.get("From"),
                "body": form.get("Body"),
                "status": "queued",
                "num_segments": "1",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "uri": f"/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}/Messages/{sid}.json",
            },
            status=201,
        )

    # --- Bot Framework -----------------------------------------------------------------------

    async def _openid(self, _: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": BOTFRAMEWORK_ISSUER,
                "jwks_uri": f"{self.url}/botframework/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def _keys(self, _: web.Request) -> web.Response:
        jwk = RSAAlgorithm.to_jwk(self.signing_key.public_key(), as_dict=True)
        jwk.update(kid=BOTFRAMEWORK_KEY_ID, use="sig", endorsements=["msteams", "emulator"])
        return web.json_response({"keys": [jwk]})

    async def _token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self._record("botframework-token", {"form": {k: v for k, v in form.items() if k != "client_secret"}})
        if (
            form.get("client_id") != BOTFRAMEWORK_APP_ID
            or form.get("client_secret") != BOTFRAMEWORK_APP_PASSWORD
            or form.get("grant_type") != "client_credentials"
        ):
            return web.json_response({"error": "invalid_client"}, status=401)
        return web.json_response(
            {
                "token_type": "Bearer",
                "expires_in": 3600,
                "ext_expires_in": 3600,
                "access_token": self.botframework_access_token,
            }
        )

    async def _activities(self, request: web.Request) -> web.Response:
        activity = await request.json()
        entry = self._record(
            "botframework",
            {
                "conversation": request.match_info["conversation"],
                "activity": activity,
                "authorized": request.headers.get("Authorization") == f"Bearer {self.botframework_access_token}",
            },
        )
        await self._answer_late(entry, request.match_info["conversation"])
        if request.headers.get("Authorization") != f"Bearer {self.botframework_access_token}":
            return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        return web.json_response({"id": f"activite-{next(self._ids)}"}, status=201)

    # --- callback channel --------------------------------------------------------------------

    async def _callback(self, request: web.Request) -> web.Response:
        self._record("callback", await request.json())
        return web.Response(text="ok")

    # --- server ------------------------------------------------------------------------------

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/telegram/bot{token}/{method}", self._telegram)
        app.router.add_post("/slack/api/{method}", self._slack)
        app.router.add_post("/facebook/me/messages", self._facebook)
        app.router.add_post("/twilio/2010-04-01/Accounts/{sid}/Messages.json", self._twilio)
        app.router.add_get("/botframework/openid", self._openid)
        app.router.add_get("/botframework/keys", self._keys)
        app.router.add_post("/botframework/token", self._token)
        app.router.add_post("/botframework/service/v3/conversations/{conversation}/activities", self._activities)
        app.router.add_post("/callback", self._callback)
        return app

    def __enter__(self) -> FakePlatforms:
        started = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            runner = web.AppRunner(self._app(), access_log=None)
            self._loop.run_until_complete(runner.setup())
            self._loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
            started.set()
            self._loop.run_forever()
            self._loop.run_until_complete(runner.cleanup())
            self._loop.close()

        self._thread = threading.Thread(target=run, name="fake-platforms", daemon=True)
        self._thread.start()
        if not started.wait(20):
            raise RuntimeError("le serveur des plateformes simulées n'a pas démarré")
        return self

    def __exit__(self, *exc) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=20)
