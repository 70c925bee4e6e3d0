"""The website: a demo page that embeds the widget, the widget's files, and a small JSON
gateway to Rasa's REST channel (bot/website/chat.py)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.config import settings
from bot.multiserver import shared_redis
from bot.multiserver.shared_redis import SharedRedis
from bot.rasa_client import AsyncRasaClient, probe
from bot.website import admin, chat, keys
from bot.website.errors import json_errors, json_response
from bot.website.middleware import access_log, ip_rate_limit
from bot.website.ratelimit import rate_limiter
from bot.website.security import cors, security_headers

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"
PROBE_TIMEOUT_S = 3
# Small JSON bodies only: a message is at most a few thousand characters.
CLIENT_MAX_BYTES = 64 * 1024


def _file(name: str, content_type: str):
    async def handler(request: web.Request) -> web.FileResponse:
        response = web.FileResponse(STATIC_DIR / name, headers={"Content-Type": content_type})
        # Partners embed widget.js by a fixed address: let them get a new version quickly.
        response.headers["Cache-Control"] = "public, max-age=300"
        return response

    return handler


def setup_pages(app: web.Application) -> None:
    app.router.add_get("/", _file("index.html", "text/html; charset=utf-8"))
    app.router.add_get("/widget.js", _file("widget.js", "text/javascript; charset=utf-8"))
    app.router.add_get("/widget.css", _file("widget.css", "text/css; charset=utf-8"))
    app.router.add_static("/static/", STATIC_DIR)


def _database_status(engine) -> str:
    from bot.knowledge import store

    try:
        store.check_connection(engine)
        return "ok" if store.read_meta(engine).get("content") else "vide : lancez « python -m bot kb load »"
    except store.DatabaseUnavailable as exc:  # never loaded: say what to run
        if str(exc) == store.NOT_LOADED:
            return "vide : lancez « python -m bot kb load »"
        return f"erreur : {type(exc).__name__}"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return f"erreur : {type(exc).__name__}"


async def healthz(request: web.Request) -> web.Response:
    rasa, actions, database = await asyncio.gather(
        request.app[keys.RASA].status(PROBE_TIMEOUT_S),
        probe(request.app[keys.HTTP], f"{request.app[keys.ACTIONS_URL]}/health", PROBE_TIMEOUT_S),
        asyncio.get_running_loop().run_in_executor(None, _database_status, request.app[keys.DB_ENGINE]),
    )
    parts = {"rasa": rasa, "actions": actions, "database": database}
    healthy = all(value == "ok" for value in parts.values())
    return json_response({"status": "ok" if healthy else "degraded", **parts}, status=200 if healthy else 503)


def setup_health(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)


async def _open_clients(app: web.Application):
    from bot.knowledge import store

    app[keys.HTTP] = aiohttp.ClientSession()
    app[keys.RASA] = AsyncRasaClient(app[keys.RASA_URL], app[keys.RASA_TOKEN], app[keys.HTTP])
    app[keys.DB_ENGINE] = store.make_engine(app[keys.SETTINGS].db_url)
    yield
    await app[keys.HTTP].close()
    app[keys.DB_ENGINE].dispose()
    if app[keys.SHARED_REDIS] is not None:
        await app[keys.SHARED_REDIS].close()


def _middlewares(config: settings.Settings, redis: SharedRedis | None) -> list:
    # Outermost first: the log sees the final status, and error responses get the security
    # and CORS headers too (a partner page must be able to read a 429 or a 413).
    return [
        access_log,
        security_headers(config.frame_ancestors),
        cors(config.cors_origins),
        json_errors,
        ip_rate_limit(rate_limiter(redis, "ip", config.rate_limit_ip), config.trust_proxy),
    ]


def create_app(rasa_url: str = None, actions_url: str = None) -> web.Application:
    config = settings.current()
    redis = shared_redis.from_settings(config)
    app = web.Application(middlewares=_middlewares(config, redis), client_max_size=CLIENT_MAX_BYTES)
    app[keys.SETTINGS] = config
    app[keys.SHARED_REDIS] = redis
    app[keys.SESSION_LIMITER] = rate_limiter(redis, "session", config.rate_limit_session)
    app[keys.RASA_URL] = (rasa_url or config.rasa_url).rstrip("/")
    app[keys.ACTIONS_URL] = (actions_url or config.actions_url).rstrip("/")
    # First, so that the review pages' context finds the engine open, and closes before it.
    app.cleanup_ctx.append(_open_clients)
    setup_pages(app)
    chat.setup(app)
    setup_health(app)
    admin.setup(app)
    return app


def serve(port: int, host: str = "127.0.0.1") -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s web %(levelname)s %(message)s")
    settings.at_start()
    app = create_app()
    web.run_app(app, host=host, port=port, print=None, access_log=None)
