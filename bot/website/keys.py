"""What the website keeps on its aiohttp application, as typed keys (aiohttp warns about
plain strings, and a typed key says what it holds). The review pages' own keys are in
bot/website/admin.py."""

from __future__ import annotations

import aiohttp
from aiohttp import web
from sqlalchemy.engine import Engine

from bot.config.settings import Settings
from bot.multiserver.shared_redis import SharedRedis
from bot.rasa_client import AsyncRasaClient
from bot.website.ratelimit import RateLimiter

SETTINGS = web.AppKey("settings", Settings)
HTTP = web.AppKey("http", aiohttp.ClientSession)
# The one engine of this process on BOUSSOLE_DB_URL: feedback, health and the review pages.
DB_ENGINE = web.AppKey("db_engine", Engine)
RASA_URL = web.AppKey("rasa_url", str)
ACTIONS_URL = web.AppKey("actions_url", str)
RASA_TOKEN = web.AppKey("rasa_token", str)
# The one Rasa client, opened on HTTP (bot/website/app.py).
RASA = web.AppKey("rasa", AsyncRasaClient)
SESSION_LIMITER = web.AppKey("session_limiter", RateLimiter)
# The Redis the website processes share their limits and the advisers' sessions in, or
# None: a single process keeps them in memory (bot/multiserver/shared_redis.py).
SHARED_REDIS = web.AppKey("shared_redis", SharedRedis)
