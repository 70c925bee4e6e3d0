"""What every request to the website goes through: a log line without what the user wrote,
and the per-address rate limit of the API."""

from __future__ import annotations

import logging
import time

from aiohttp import web

from bot.website.errors import error
from bot.website.ratelimit import RateLimiter

log = logging.getLogger("bot.website.requests")


def client_ip(request: web.Request, trust_proxy: bool) -> str:
    if trust_proxy:
        forwarded = request.headers.get("X-Forwarded-For", "")
        first = forwarded.split(",")[0].strip()
        if first:
            return first
    return request.remote or "inconnu"


def too_many(retry_after: int, message: str) -> web.Response:
    response = error(429, message, retry_after=retry_after)
    response.headers["Retry-After"] = str(retry_after)
    return response


def wait_message(seconds: int) -> str:
    unit = "seconde" if seconds == 1 else "secondes"
    return f"Vous envoyez beaucoup de messages : patientez {seconds} {unit}, puis réessayez."


@web.middleware
async def access_log(request: web.Request, handler):
    # Path only: the query string may carry a conversation id, the body the user's words.
    started = time.monotonic()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        log.info("%s %s %s %.0f ms", request.method, request.path, status, (time.monotonic() - started) * 1000)


def ip_rate_limit(limiter: RateLimiter, trust_proxy: bool):
    @web.middleware
    async def middleware(request: web.Request, handler):
        if request.path.startswith("/api/") and request.method != "OPTIONS":
            wait = await limiter.hit(client_ip(request, trust_proxy))
            if wait:
                return too_many(wait, wait_message(wait))
        return await handler(request)

    return middleware
