"""Every error the website returns is JSON with a French message: never an HTML page, a
stack trace or a path of the server."""

from __future__ import annotations

import functools
import json
import logging

from aiohttp import web

log = logging.getLogger(__name__)

# French text stays readable in the JSON (« é », not « \\u00e9 »).
json_response = functools.partial(web.json_response, dumps=functools.partial(json.dumps, ensure_ascii=False))

MESSAGES = {
    400: "Requête incorrecte.",
    403: "Accès refusé.",
    404: "Cette adresse n'existe pas sur ce site.",
    405: "Cette méthode n'est pas acceptée à cette adresse.",
    413: "La requête est trop volumineuse.",
    415: "Le contenu doit être envoyé en JSON (Content-Type: application/json).",
    429: "Trop de requêtes : patientez un instant avant de réessayer.",
    500: "Une erreur interne est survenue. Réessayez dans quelques instants.",
    502: "L'assistant est momentanément indisponible. Réessayez dans quelques instants.",
    503: "L'assistant est momentanément indisponible. Réessayez dans quelques instants.",
}


def error(status: int, message: str = None, **extra) -> web.Response:
    body = {"error": message or MESSAGES.get(status, MESSAGES[500 if status >= 500 else 400])}
    body.update(extra)
    return json_response(body, status=status)


@web.middleware
async def json_errors(request: web.Request, handler):
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = error(exc.status)
        # 405 must still say which methods are allowed.
        if "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except Exception:  # the log keeps the trace; the user gets a French sentence
        log.exception("Erreur interne sur %s %s", request.method, request.path)
        return error(500)
