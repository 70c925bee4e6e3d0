"""The one client of Rasa's HTTP API: send a message to the REST channel, read a
conversation's tracker, check that a server answers.

Used by the website (`AsyncRasaClient`, on the website's aiohttp client session), the
adviser's shell and the readiness wait (`RasaClient`, standard library only). Both build
the same URLs, pass the API token the same way and fail with the same exceptions, whose
messages are French. Nothing here imports aiohttp's server side: any process may use it.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
import uuid

# How long each call waits by default; callers with a tighter budget pass their own.
SEND_TIMEOUT_S = 60
TRACKER_TIMEOUT_S = 30
HEALTH_TIMEOUT_S = 2


class RasaError(Exception):
    """Rasa could not give what was asked."""


class RasaUnreachable(RasaError):
    """No answer: connection refused, reset, name unknown…"""


class RasaTimeout(RasaUnreachable):
    """Connected, but no answer within the timeout."""


class RasaRefused(RasaError):
    """Rasa answered with an HTTP status other than 200 (401/403: wrong API token)."""

    def __init__(self, status: int):
        super().__init__(f"Rasa a répondu HTTP {status}")
        self.status = status


def _seconds(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def webhook_url(base_url: str) -> str:
    """Rasa's REST channel (or the project's own, which answers at the same address)."""
    return f"{base_url.rstrip('/')}/webhooks/rest/webhook"


def tracker_url(base_url: str, sender: str) -> str:
    return f"{base_url.rstrip('/')}/conversations/{urllib.parse.quote(sender, safe='')}/tracker"


def health_url(base_url: str) -> str:
    # Rasa's root answers 200 as soon as the server is up, without the token; /status needs it.
    return f"{base_url.rstrip('/')}/"


def tracker_params(token: str, include_events: str | None = None) -> dict:
    params = {"token": token}
    if include_events:
        params["include_events"] = include_events
    return params


def message_body(sender: str, message: str, message_id: str | None = None) -> dict:
    """The REST channel's request; a message sent again after a failure keeps its
    `message_id`, so that Rasa answers it once (bot/rasa_server/processed_messages.py)."""
    body = {"sender": sender, "message": message}
    if message_id is not None:
        body["message_id"] = message_id
    return body


def new_message_id() -> str:
    return uuid.uuid4().hex


MAX_MESSAGE_ID_CHARS = 64
_MESSAGE_ID = re.compile(r"^[A-Za-z0-9_.:-]+$")


def check_message_id(message_id) -> str | None:
    """A message's id if it is a usable one (letters without accents, digits and « _.:- »,
    at most MAX_MESSAGE_ID_CHARS: a UUID fits), else None; the REST channel and the
    website accept the same ids."""
    if not isinstance(message_id, str) or not 0 < len(message_id) <= MAX_MESSAGE_ID_CHARS:
        return None
    return message_id if _MESSAGE_ID.match(message_id) else None


def answers(url: str, timeout: float = HEALTH_TIMEOUT_S) -> bool:
    """Whether `url` answers 200: the health check of any part (Rasa, action server, website)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


class RasaClient:
    """Blocking calls, standard library only (the shell, the readiness wait)."""

    def __init__(self, base_url: str, token: str = ""):
        self.base_url = base_url.rstrip("/")
        self.token = token

    def _get_json(self, url: str, timeout: float, data: dict | None = None):
        request = urllib.request.Request(
            url,
            data=None if data is None else json.dumps(data).encode(),
            headers={"Content-Type": "application/json"} if data is not None else {},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                if response.status != 200:
                    raise RasaRefused(response.status)
                return json.loads(response.read().decode())
        except urllib.error.HTTPError as exc:
            raise RasaRefused(exc.code) from exc
        except TimeoutError as exc:
            raise RasaTimeout(f"pas de réponse en {_seconds(timeout)} s") from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (socket.timeout, TimeoutError)):
                raise RasaTimeout(f"pas de réponse en {_seconds(timeout)} s") from exc
            raise RasaUnreachable(str(exc)) from exc
        except OSError as exc:
            raise RasaUnreachable(str(exc)) from exc

    def send(self, sender: str, message: str, timeout: float = SEND_TIMEOUT_S, message_id: str | None = None) -> list:
        """The answers of the REST channel: a list of {"text", "buttons", …}."""
        return self._get_json(webhook_url(self.base_url), timeout, message_body(sender, message, message_id))

    def tracker(self, sender: str, include_events: str | None = None, timeout: float = TRACKER_TIMEOUT_S) -> dict:
        query = urllib.parse.urlencode(tracker_params(self.token, include_events))
        return self._get_json(f"{tracker_url(self.base_url, sender)}?{query}", timeout)

    def healthy(self, timeout: float = HEALTH_TIMEOUT_S) -> bool:
        return answers(health_url(self.base_url), timeout)


class AsyncRasaClient:
    """The same calls on an aiohttp client session that the caller opens and closes (the
    website shares one between Rasa and the action server's probe)."""

    def __init__(self, base_url: str, token: str, session):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.session = session

    async def _json(self, method: str, url: str, timeout: float, **kwargs):
        import aiohttp

        try:
            async with self.session.request(
                method, url, timeout=aiohttp.ClientTimeout(total=timeout), **kwargs
            ) as response:
                if response.status != 200:
                    raise RasaRefused(response.status)
                return await response.json()
        except asyncio.TimeoutError as exc:
            raise RasaTimeout(f"pas de réponse en {_seconds(timeout)} s") from exc
        except aiohttp.ClientError as exc:
            raise RasaUnreachable(type(exc).__name__) from exc

    async def send(
        self, sender: str, message: str, timeout: float = SEND_TIMEOUT_S, message_id: str | None = None
    ) -> list:
        return await self._json(
            "POST", webhook_url(self.base_url), timeout, json=message_body(sender, message, message_id)
        )

    async def tracker(self, sender: str, include_events: str | None = None, timeout: float = TRACKER_TIMEOUT_S) -> dict:
        return await self._json(
            "GET", tracker_url(self.base_url, sender), timeout, params=tracker_params(self.token, include_events)
        )

    async def status(self, timeout: float = HEALTH_TIMEOUT_S) -> str:
        """ "ok", "erreur HTTP <code>" or "injoignable", as the website's /healthz reports it."""
        return await probe(self.session, health_url(self.base_url), timeout)


async def probe(session, url: str, timeout: float = HEALTH_TIMEOUT_S) -> str:
    """The health of any part from an async process: "ok", "erreur HTTP <code>" or "injoignable"."""
    import aiohttp

    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            return "ok" if response.status == 200 else f"erreur HTTP {response.status}"
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return "injoignable"
