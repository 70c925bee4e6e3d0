"""The widget's API: send a message, read a conversation back, give feedback on an answer.

Each of them reaches only the website's own conversations (bot/website/sessions.py): the
widget's id is turned into a Rasa sender of the website's namespace, and any other id
gets the same French 404 as an unknown conversation.

Each message carries an id (the widget's, or one drawn here), passed to Rasa: a message
that failed before any answer because a Rasa server died is sent once more, after a short
pause, with the same id; behind nginx the retry reaches another server, and a message the
dead server had already recorded is answered from its record, never processed twice
(bot/rasa_server/processed_messages.py). A timeout is not retried: the user has already
waited long enough, and the widget's « Réessayer » sends the same id again.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from bot.config import tokens
from bot.rasa_client import (
    MAX_MESSAGE_ID_CHARS,
    RasaRefused,
    RasaTimeout,
    RasaUnreachable,
    check_message_id,
    new_message_id,
)
from bot.website import feedback, keys
from bot.website.errors import error, json_response
from bot.website.middleware import too_many, wait_message
from bot.website.sessions import new_client_id, sender_of
from bot.website.transcript import answer_message, messages_from_events

log = logging.getLogger(__name__)
RASA_TIMEOUT_S = 30
HISTORY_TIMEOUT_S = 10
BAD_JSON = 'Requête illisible : un objet JSON {"message": "…"} est attendu.'
UNKNOWN_SESSION = "Conversation introuvable : commencez-en une nouvelle."
# What nginx answers when the Rasa server it had chosen failed (502), none was left (503)
# or it gave up waiting (504): worth one more try.
RETRIED_STATUSES = (502, 503, 504)
RETRY_AFTER_S = 0.5


def unknown_session() -> web.Response:
    return error(404, UNKNOWN_SESSION, code="unknown_session")


def too_long(length: int, limit: int) -> web.Response:
    return error(
        413,
        f"Votre message est trop long ({length} caractères) : {limit} au plus. "
        "Raccourcissez-le ou envoyez-le en plusieurs fois.",
        code="message_too_long",
        max_chars=limit,
    )


async def _json_body(request: web.Request):
    """The request's JSON object, or the error response to send instead."""
    if request.content_type != "application/json":
        return None, error(415)
    try:
        body = await request.json()
    except web.HTTPRequestEntityTooLarge:
        return None, error(
            413,
            "Votre message est trop long : raccourcissez-le.",
            code="message_too_long",
            max_chars=request.app[keys.SETTINGS].max_message_chars,
        )
    except Exception:  # noqa: BLE001 - any unreadable body gets the same answer
        return None, error(400, BAD_JSON)
    if not isinstance(body, dict):
        return None, error(400, BAD_JSON)
    return body, None


async def chat(request: web.Request) -> web.Response:
    body, failure = await _json_body(request)
    if failure is not None:
        return failure
    if not isinstance(body.get("message"), str):
        return error(400, "Le champ « message » (texte) est obligatoire.")
    text = body["message"].strip()
    if not text:
        return error(400, "Votre message est vide.")
    limit = request.app[keys.SETTINGS].max_message_chars
    if len(text) > limit:
        return too_long(len(text), limit)
    session_id = body.get("session_id")
    if session_id in (None, ""):
        session_id = new_client_id()
    sender = sender_of(session_id)
    if sender is None:
        return unknown_session()
    wait = await request.app[keys.SESSION_LIMITER].hit(session_id)
    if wait:
        return too_many(wait, wait_message(wait))
    message_id = body.get("message_id")
    if message_id in (None, ""):
        message_id = new_message_id()
    elif check_message_id(message_id) is None:
        return error(
            400,
            "Le champ « message_id » est mal formé : lettres sans accent, chiffres et « _.:- », "
            f"{MAX_MESSAGE_ID_CHARS} caractères au plus.",
        )
    if request.app[keys.SETTINGS].log_messages:
        log.info("message de %s : %s", session_id, text)
    try:
        answers = await send_once(request.app[keys.RASA], sender, text, message_id)
    except RasaRefused as exc:
        log.warning("Rasa a répondu %s", exc.status)
        return error(502, message_id=message_id)
    except RasaTimeout:
        log.warning("Rasa n'a pas répondu en %s s", RASA_TIMEOUT_S)
        return error(
            504, "L'assistant met trop de temps à répondre. Réessayez dans quelques instants.", message_id=message_id
        )
    except RasaUnreachable as exc:
        log.warning("Rasa injoignable : %s", exc)
        return error(503, message_id=message_id)
    messages = [answer_message(a) for a in answers if isinstance(a, dict)]
    return json_response({"session_id": session_id, "messages": messages})


async def send_once(rasa, sender: str, text: str, message_id: str) -> list:
    """Rasa's answers to the message; sent a second time, with the same id, when the first
    attempt failed without an answer (not on a timeout)."""
    try:
        return await rasa.send(sender, text, timeout=RASA_TIMEOUT_S, message_id=message_id)
    except RasaTimeout:
        raise
    except (RasaRefused, RasaUnreachable) as exc:
        if isinstance(exc, RasaRefused) and exc.status not in RETRIED_STATUSES:
            raise
        log.warning("Rasa : échec sans réponse (%s) ; le message %s est renvoyé une fois.", exc, message_id)
    await asyncio.sleep(RETRY_AFTER_S)
    return await rasa.send(sender, text, timeout=RASA_TIMEOUT_S, message_id=message_id)


async def history(request: web.Request) -> web.Response:
    session_id = request.query.get("session_id", "")
    sender = sender_of(session_id)
    if sender is None:
        return unknown_session()
    try:
        tracker = await request.app[keys.RASA].tracker(
            sender, include_events="AFTER_RESTART", timeout=HISTORY_TIMEOUT_S
        )
    except RasaRefused as exc:
        log.warning("Rasa a refusé l'historique : HTTP %s", exc.status)
        return error(502, "L'historique de la conversation est momentanément indisponible.")
    except RasaUnreachable as exc:
        log.warning("Historique injoignable : %s", type(exc.__cause__ or exc).__name__)
        return error(503, "L'historique de la conversation est momentanément indisponible.")
    return json_response({"session_id": session_id, "messages": messages_from_events(tracker.get("events"))})


async def give_feedback(request: web.Request) -> web.Response:
    body, failure = await _json_body(request)
    if failure is not None:
        return failure
    sender = sender_of(body.get("session_id"))
    if sender is None:
        return unknown_session()
    try:
        item = feedback.draft(
            sender, body.get("rating"), body.get("comment"), body.get("answer_text"), body.get("question_text")
        )
    except feedback.InvalidFeedback as exc:
        return error(400, str(exc))
    loop = asyncio.get_running_loop()
    try:
        feedback_id = await loop.run_in_executor(None, feedback.store, request.app[keys.DB_ENGINE], item)
    except Exception as exc:  # noqa: BLE001 - the user keeps the form and may retry
        log.warning("Avis non enregistré : %s", type(exc).__name__)
        return error(503, "Votre avis n'a pas pu être enregistré. Réessayez dans quelques instants.")
    return json_response({"id": feedback_id, "message": "Merci pour votre avis."}, status=201)


def setup(app: web.Application) -> None:
    app[keys.RASA_TOKEN] = tokens.rasa_token()
    app.router.add_post("/api/chat", chat)
    app.router.add_get("/api/history", history)
    app.router.add_post("/api/feedback", give_feedback)
