"""The website: a chat page and a small JSON gateway to Rasa's REST channel."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
import uuid
from pathlib import Path

import aiohttp
from aiohttp import web

from bot import settings
from bot.web import admin

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"
MAX_MESSAGE_CHARS = 2000
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
RASA_TIMEOUT_S = 30
PROBE_TIMEOUT_S = 3

# French text stays readable in the JSON (« é », not « \\u00e9 »).
json_response = functools.partial(web.json_response, dumps=functools.partial(json.dumps, ensure_ascii=False))
UNAVAILABLE = "L'assistant est momentanément indisponible. Réessayez dans quelques instants."


def _error(status: int, message: str) -> web.Response:
    return json_response({"error": message}, status=status)


@web.middleware
async def security_headers(request: web.Request, handler):
    response = await handler(request)
    response.headers.setdefault("Content-Security-Policy", "default-src 'self'; frame-ancestors 'self'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html")


async def chat(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except web.HTTPRequestEntityTooLarge:
        return _error(413, f"Votre message est trop long : {MAX_MESSAGE_CHARS} caractères au plus, merci de le raccourcir.")
    except Exception:  # noqa: BLE001 - any unreadable body gets the same answer
        return _error(400, "Requête illisible : un objet JSON {\"message\": \"…\"} est attendu.")
    if not isinstance(body, dict) or not isinstance(body.get("message"), str):
        return _error(400, "Le champ « message » (texte) est obligatoire.")
    text = body["message"].strip()
    if not text:
        return _error(400, "Votre message est vide.")
    if len(text) > MAX_MESSAGE_CHARS:
        return _error(413, f"Votre message est trop long ({len(text)} caractères) : {MAX_MESSAGE_CHARS} au plus, merci de le raccourcir.")
    session_id = body.get("session_id")
    if not isinstance(session_id, str) or not SESSION_ID.match(session_id):
        session_id = uuid.uuid4().hex
    try:
        async with request.app["http"].post(
            f"{request.app['rasa_url']}/webhooks/rest/webhook",
            json={"sender": session_id, "message": text},
            timeout=aiohttp.ClientTimeout(total=RASA_TIMEOUT_S),
        ) as response:
            if response.status != 200:
                log.warning("Rasa a répondu %s", response.status)
                return _error(502, UNAVAILABLE)
            answers = await response.json()
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        log.warning("Rasa injoignable : %s", type(exc).__name__)
        return _error(503, UNAVAILABLE)
    messages = []
    for answer in answers:
        item = {"text": answer.get("text", "")}
        buttons = [{"title": b.get("title", ""), "payload": b.get("payload", "")} for b in answer.get("buttons", []) or []]
        if buttons:
            item["buttons"] = buttons
        messages.append(item)
    return json_response({"session_id": session_id, "messages": messages})


async def _probe(session: aiohttp.ClientSession, url: str) -> str:
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=PROBE_TIMEOUT_S)) as response:
            return "ok" if response.status == 200 else f"erreur HTTP {response.status}"
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return "injoignable"


def _database_status(engine) -> str:
    from bot.knowledge import store

    try:
        store.check_connection(engine)
        return "ok" if store.read_meta(engine).get("content") else "vide : lancez « python -m bot kb load »"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return f"erreur : {type(exc).__name__}"


async def healthz(request: web.Request) -> web.Response:
    session = request.app["http"]
    rasa, actions, database = await asyncio.gather(
        _probe(session, f"{request.app['rasa_url']}/"),
        _probe(session, f"{request.app['actions_url']}/health"),
        asyncio.get_running_loop().run_in_executor(None, _database_status, request.app["db_engine"]),
    )
    parts = {"rasa": rasa, "actions": actions, "database": database}
    healthy = all(value == "ok" for value in parts.values())
    return json_response({"status": "ok" if healthy else "degraded", **parts}, status=200 if healthy else 503)


async def _open_clients(app: web.Application):
    from bot.knowledge import store

    app["http"] = aiohttp.ClientSession()
    app["db_engine"] = store.make_engine(settings.db_url())
    yield
    await app["http"].close()
    app["db_engine"].dispose()


def create_app(rasa_url: str = None, actions_url: str = None) -> web.Application:
    app = web.Application(middlewares=[security_headers], client_max_size=64 * 1024)
    app["rasa_url"] = (rasa_url or settings.rasa_url()).rstrip("/")
    app["actions_url"] = (actions_url or settings.actions_url()).rstrip("/")
    app.cleanup_ctx.append(_open_clients)
    app.router.add_get("/", index)
    app.router.add_post("/api/chat", chat)
    app.router.add_get("/healthz", healthz)
    app.router.add_static("/static/", STATIC_DIR)
    admin.setup(app)
    return app


def serve(port: int, host: str = "127.0.0.1") -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s web %(levelname)s %(message)s")
    web.run_app(create_app(), host=host, port=port, print=None, access_log=None)
