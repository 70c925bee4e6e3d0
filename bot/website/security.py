"""Security headers on every response, and CORS for the partner sites that embed the widget.

The pages carry a Content-Security-Policy without any inline script or style, so the
widget's code and styles live in files only. `frame-ancestors` comes from configuration
so that a partner may show the pages in a frame. Only the origins listed in configuration
get CORS headers; any other origin gets none, and its preflight is refused.
"""

from __future__ import annotations

from aiohttp import web

from bot.website.errors import error

CORS_METHODS = "GET, POST, OPTIONS"
CORS_HEADERS = "Content-Type"
CORS_MAX_AGE_S = "600"


def content_security_policy(frame_ancestors: str) -> str:
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        f"frame-ancestors {frame_ancestors}"
    )


def security_headers(frame_ancestors: str):
    policy = content_security_policy(frame_ancestors)

    @web.middleware
    async def middleware(request: web.Request, handler):
        response = await handler(request)
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response

    return middleware


def cors(allowed_origins):
    allowed = frozenset(allowed_origins)

    def _allow(response: web.StreamResponse, origin: str) -> None:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = "Retry-After"

    @web.middleware
    async def middleware(request: web.Request, handler):
        origin = request.headers.get("Origin")
        if request.method == "OPTIONS" and origin and "Access-Control-Request-Method" in request.headers:
            if origin not in allowed:
                return error(403, "Ce site n'est pas autorisé à utiliser l'assistant.")
            response = web.Response(status=204)
            _allow(response, origin)
            response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
            response.headers["Access-Control-Allow-Headers"] = CORS_HEADERS
            response.headers["Access-Control-Max-Age"] = CORS_MAX_AGE_S
            response.headers["Vary"] = "Origin"
            return response
        response = await handler(request)
        if origin and origin in allowed:
            _allow(response, origin)
        if allowed:
            # Caches must not serve one origin's answer to another.
            response.headers["Vary"] = "Origin"
        return response

    return middleware
