"""The advisers' review pages under /admin: conversations and their turns, the messages
left unanswered, feedback, handover requests, per-day charts and CSV exports.

Access takes the advisers' token (BOUSSOLE_ADMIN_TOKEN, else var/admin_token), given once
on the login form in exchange for an HttpOnly, SameSite=Strict cookie; scripts may send it
as `Authorization: Bearer …` instead. It never travels in a URL. Only POST changes state
(login, logout), so the strict cookie is all a forged cross-site request would lack.

Every read runs in a small thread pool of its own, so that a slow query on a large store
holds a review page, never the chat.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import functools
import json
import logging

from aiohttp import web

from bot.config import tokens
from bot.website import admin_pages as pages
from bot.website import keys
from bot.website.admin_auth import Sessions, SessionsUnavailable, WeakToken, check_token, login_limiter, session_store
from bot.website.review import activity as review_activity
from bot.website.review import conversations as review_conversations
from bot.website.review import exports
from bot.website.review import period as review_period
from bot.website.review import queue as review_queue
from bot.website.review.french import short_datetime
from bot.website.review.tracker import Page, TrackerReader, TrackerUnavailable

log = logging.getLogger(__name__)
COOKIE = "boussole_admin"
PREFIX = "/admin"
REVIEW_THREADS = 2
CHART_DAYS = 30
PAGE_SIZES = {"conversations": 25, "unanswered": 50, "feedback": 50, "handovers": 50}
MAX_PAGE = 100_000
HEADERS = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
}
CLOSED = "La page de suivi est fermée : {reason}"
UNAUTHORISED = "Connectez-vous avec le jeton d'accès des conseillers."
DATABASE_DOWN = "Base de données injoignable : {reason}"
SESSIONS_DOWN = "La connexion est momentanément impossible : {reason} Réessayez dans quelques instants."


# What the review pages keep on the application between requests.
ADMIN_ERROR = web.AppKey("admin_error", object)
ADMIN_SESSIONS = web.AppKey("admin_sessions", object)
ADMIN_LOGIN_LIMITER = web.AppKey("admin_login_limiter", object)
REVIEW_POOL = web.AppKey("review_pool", object)
TRACKER_READER = web.AppKey("tracker_reader", object)
TRACKER_ERROR = web.AppKey("tracker_error", object)


class BadRequest(ValueError):
    """A French message for a wrong query parameter."""


# --- start and stop -------------------------------------------------------------------


async def _review_context(app: web.Application):
    app[ADMIN_ERROR] = None
    try:
        token = tokens.admin_token()
        check_token(token)
        app[ADMIN_SESSIONS] = Sessions(token, session_store(app[keys.SHARED_REDIS]))
    except (WeakToken, OSError) as exc:
        app[ADMIN_ERROR] = str(exc)
        log.error("Page de suivi fermée : %s", exc)
    app[ADMIN_LOGIN_LIMITER] = login_limiter(app[keys.SHARED_REDIS])
    app[REVIEW_POOL] = concurrent.futures.ThreadPoolExecutor(REVIEW_THREADS, thread_name_prefix="review")
    try:
        app[TRACKER_READER], app[TRACKER_ERROR] = TrackerReader(app[keys.SETTINGS].tracker_url), None
    except (TrackerUnavailable, Exception) as exc:  # noqa: BLE001 - shown on the pages, the chat keeps running
        app[TRACKER_READER], app[TRACKER_ERROR] = None, str(exc)
    yield
    if app[TRACKER_READER] is not None:
        app[TRACKER_READER].close()
    app[REVIEW_POOL].shutdown(wait=False, cancel_futures=True)


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(_review_context)
    app.router.add_get(PREFIX, _home)
    app.router.add_get(PREFIX + "/", _home)
    app.router.add_get(PREFIX + "/login", _login_form)
    app.router.add_post(PREFIX + "/login", _login)
    app.router.add_post(PREFIX + "/logout", _logout)
    app.router.add_get(PREFIX + "/conversations", _conversations)
    app.router.add_get(PREFIX + "/conversations/{sender_id}", _conversation)
    app.router.add_get(PREFIX + "/unanswered", _unanswered)
    app.router.add_get(PREFIX + "/feedback", _feedback)
    app.router.add_get(PREFIX + "/handovers", _handovers)
    app.router.add_get(PREFIX + "/activity", _activity)
    app.router.add_get(PREFIX + "/export/{name}.csv", _export)


# --- responses ------------------------------------------------------------------------


def _secured(response: web.StreamResponse) -> web.StreamResponse:
    if not response.prepared:
        response.headers.update(HEADERS)
    return response


def _page(markup: str, status: int = 200) -> web.Response:
    return _secured(web.Response(text=markup, status=status, content_type="text/html", charset="utf-8"))


def _json(payload: dict, status: int) -> web.Response:
    return _secured(
        web.Response(
            text=json.dumps(payload, ensure_ascii=False),
            status=status,
            content_type="application/json",
            charset="utf-8",
        )
    )


def _wants_json(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "")
    return request.path.endswith(".csv") or ("application/json" in accept and "text/html" not in accept)


def _refuse(request: web.Request, status: int, message: str) -> web.Response:
    if _wants_json(request):
        return _json({"error": message}, status)
    if status == 401:
        return _page(pages.login(error=None, next_path=request.path_qs, info=message), status)
    return _page(pages.error("Page de suivi", message), status)


def _safe_next(value: str | None) -> str:
    """Only a page of the review site: never another site (« //ailleurs.example »)."""
    value = value or ""
    if (
        value.startswith(PREFIX)
        and not value.startswith("//")
        and "\\" not in value
        and "\n" not in value
        and not value.startswith(PREFIX + "/login")
    ):
        return value
    return PREFIX + "/conversations"


# --- access ---------------------------------------------------------------------------


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header[:7].lower() == "bearer " else None


async def _authorised(request: web.Request) -> bool:
    """Raises SessionsUnavailable."""
    sessions: Sessions = request.app[ADMIN_SESSIONS]
    bearer = _bearer(request)
    if bearer is not None:
        return sessions.token_matches(bearer)
    return await sessions.valid(request.cookies.get(COOKIE))


def protected(handler):
    @functools.wraps(handler)
    async def checked(request: web.Request):
        if request.app[ADMIN_ERROR]:
            return _refuse(request, 503, CLOSED.format(reason=request.app[ADMIN_ERROR]))
        try:
            authorised = await _authorised(request)
        except SessionsUnavailable as exc:
            return _refuse(request, 503, SESSIONS_DOWN.format(reason=exc))
        if not authorised:
            return _refuse(request, 401, UNAUTHORISED)
        try:
            return _secured(await handler(request))
        except (BadRequest, review_period.InvalidPeriod) as exc:
            return _refuse(request, 400, str(exc))

    return checked


async def _home(request: web.Request) -> web.Response:
    raise web.HTTPSeeOther(PREFIX + "/conversations")


async def _login_form(request: web.Request) -> web.Response:
    if request.app[ADMIN_ERROR]:
        return _refuse(request, 503, CLOSED.format(reason=request.app[ADMIN_ERROR]))
    try:
        signed_in = await request.app[ADMIN_SESSIONS].valid(request.cookies.get(COOKIE))
    except SessionsUnavailable:
        signed_in = False  # the form says why when it is sent
    if signed_in:
        raise web.HTTPSeeOther(_safe_next(request.query.get("next")))
    return _page(pages.login(next_path=_safe_next(request.query.get("next"))))


async def _login(request: web.Request) -> web.Response:
    if request.app[ADMIN_ERROR]:
        return _refuse(request, 503, CLOSED.format(reason=request.app[ADMIN_ERROR]))
    limiter = request.app[ADMIN_LOGIN_LIMITER]
    address = request.remote or "inconnue"
    wait = await limiter.wait_s(address)
    if wait:
        minutes = max(1, round(wait / 60))
        return _page(pages.login(error=f"Trop d'essais infructueux : réessayez dans {minutes} min."), 429)
    try:
        form = await request.post()
    except ValueError:
        form = {}
    token, next_path = form.get("token"), _safe_next(form.get("next"))
    if not isinstance(token, str) or not request.app[ADMIN_SESSIONS].token_matches(token.strip()):
        await limiter.hit(address)
        return _page(
            pages.login(error="Ce jeton n'est pas le bon. Vérifiez-le et réessayez.", next_path=next_path), 401
        )
    await limiter.forget(address)
    try:
        cookie = await request.app[ADMIN_SESSIONS].issue()
    except SessionsUnavailable as exc:
        return _page(pages.login(error=SESSIONS_DOWN.format(reason=exc), next_path=next_path), 503)
    response = web.HTTPSeeOther(next_path)
    response.set_cookie(
        COOKIE,
        cookie,
        path=PREFIX,
        httponly=True,
        samesite="Strict",
        secure=request.secure or _secure_cookie_forced(request),
        max_age=request.app[ADMIN_SESSIONS].lifetime_s,
    )
    _secured(response)
    raise response


def _secure_cookie_forced(request: web.Request) -> bool:
    """BOUSSOLE_ADMIN_SECURE_COOKIE=1 behind a reverse proxy that terminates HTTPS (the
    site itself then only sees plain HTTP)."""
    return request.app[keys.SETTINGS].admin_secure_cookie


async def _logout(request: web.Request) -> web.Response:
    sessions: Sessions | None = request.app.get(ADMIN_SESSIONS)
    if sessions is not None:
        try:
            await sessions.revoke(request.cookies.get(COOKIE))
        except SessionsUnavailable:
            pass  # the cookie goes all the same; the session's key expires with its lifetime
    response = _page(pages.login(info="Vous êtes déconnecté."))
    response.del_cookie(COOKIE, path=PREFIX)
    return response


# --- reading --------------------------------------------------------------------------


async def _in_pool(request: web.Request, function, *args):
    return await asyncio.get_running_loop().run_in_executor(
        request.app[REVIEW_POOL], functools.partial(function, *args)
    )


def _page_number(request: web.Request) -> int:
    raw = request.query.get("page", "1").strip() or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise BadRequest(f"Numéro de page invalide (« {raw[:12]} ») : un nombre entier à partir de 1 est attendu.")
    return int(raw) - 1


def _period(request: web.Request, default_days: int | None = None) -> review_period.Period:
    try:
        return review_period.parse(request.query.get("du"), request.query.get("au"), default_days)
    except review_period.InvalidPeriod as exc:
        raise BadRequest(str(exc)) from None


def _reader(request: web.Request) -> TrackerReader:
    if request.app[TRACKER_READER] is None:
        raise TrackerUnavailable(request.app[TRACKER_ERROR])
    return request.app[TRACKER_READER]


async def _tracker_page(request: web.Request, current: str, title: str, build) -> web.Response:
    """Runs `build()` in the pool; an unreadable store is a French message, not a crash."""
    try:
        return _page(await _in_pool(request, build))
    except TrackerUnavailable as exc:
        return _page(pages.error(title, str(exc), current), 503)


@protected
async def _conversations(request: web.Request) -> web.Response:
    number, period = _page_number(request), _period(request)

    def build():
        page = review_conversations.page(_reader(request), period, number, PAGE_SIZES["conversations"])
        return pages.conversations(page, period, period.tz)

    return await _tracker_page(request, "conversations", "Conversations", build)


@protected
async def _conversation(request: web.Request) -> web.Response:
    sender_id, number = request.match_info["sender_id"], _page_number(request)
    tz = review_period.timezone()

    def build():
        detail = review_conversations.detail(_reader(request), sender_id, number)
        if detail is None:
            return None
        return pages.conversation(detail, tz, {})

    try:
        markup = await _in_pool(request, build)
    except TrackerUnavailable as exc:
        return _page(pages.error("Conversation", str(exc), "conversations"), 503)
    if markup is None:
        return _page(
            pages.error(
                "Conversation introuvable",
                "Aucune conversation ne porte cet identifiant dans l'historique.",
                "conversations",
            ),
            404,
        )
    return _page(markup)


@protected
async def _unanswered(request: web.Request) -> web.Response:
    number, period = _page_number(request), _period(request)

    def build():
        page = review_queue.page(_reader(request), period, number, PAGE_SIZES["unanswered"])
        return pages.unanswered(page, period, period.tz)

    return await _tracker_page(request, "unanswered", "Messages à revoir", build)


@protected
async def _activity(request: web.Request) -> web.Response:
    period = _period(request, default_days=CHART_DAYS)

    def build():
        return pages.activity(review_activity.daily(_reader(request), period), period)

    return await _tracker_page(request, "activity", "Statistiques", build)


def _labelled(items: list, tz) -> list:
    """Newest first, each with its date as the pages show it (the stores keep naive UTC)."""
    out = []
    for item in reversed(items):
        moment = dt.datetime.fromisoformat(item["created_at"]).replace(tzinfo=dt.timezone.utc).astimezone(tz)
        out.append(
            {**item, "created_at": moment.isoformat(timespec="seconds"), "created_label": short_datetime(moment)}
        )
    return out


def _feedback_filters(request: web.Request) -> dict:
    rating = request.query.get("note", "")
    if rating not in ("", "up", "down"):
        raise BadRequest("Note inconnue : choisissez « 👍 utile » ou « 👎 pas utile ».")
    return {"note": rating, "commentaire": "1" if request.query.get("commentaire") else ""}


def _read_feedback(engine, period: review_period.Period, filters: dict) -> list:
    from bot.website import feedback

    since = dt.datetime.fromtimestamp(period.start, dt.timezone.utc).replace(tzinfo=None) if period.start else None
    until = dt.datetime.fromtimestamp(period.end, dt.timezone.utc).replace(tzinfo=None) if period.end else None
    items = []
    for item in feedback.read_all(engine, since=since):
        if until is not None and dt.datetime.fromisoformat(item["created_at"]) >= until:
            continue
        if filters.get("note") and item["rating"] != filters["note"]:
            continue
        if filters.get("commentaire") and not item["comment"]:
            continue
        items.append(item)
    return items


def _database_error(exc: Exception) -> str:
    return DATABASE_DOWN.format(reason=str(exc))


@protected
async def _feedback(request: web.Request) -> web.Response:
    number, period, filters = _page_number(request), _period(request), _feedback_filters(request)
    size = PAGE_SIZES["feedback"]
    try:
        items = await _in_pool(request, _read_feedback, request.app[keys.DB_ENGINE], period, filters)
    except Exception as exc:  # noqa: BLE001 - DatabaseUnavailable and driver errors alike
        return _page(pages.error("Avis des utilisateurs", _database_error(exc), "feedback"), 503)
    labelled = _labelled(items, period.tz)
    page = Page(labelled[number * size : (number + 1) * size], number, size, len(labelled))
    return _page(pages.feedback(page, period, {k: v for k, v in filters.items() if v}))


@protected
async def _handovers(request: web.Request) -> web.Response:
    from bot.core.advice import handover

    number, size, tz = _page_number(request), PAGE_SIZES["handovers"], review_period.timezone()
    try:
        dossiers = await _in_pool(request, handover.read_all, request.app[keys.DB_ENGINE])
    except Exception as exc:  # noqa: BLE001 - DatabaseUnavailable and driver errors alike
        return _page(pages.error("Demandes de conseiller", _database_error(exc), "handovers"), 503)
    labelled = _labelled(dossiers, tz)
    return _page(pages.handovers(Page(labelled[number * size : (number + 1) * size], number, size, len(labelled))))


# --- exports --------------------------------------------------------------------------


def _export_rows(request: web.Request, name: str, period: review_period.Period):
    """The generator of CSV chunks for export `name` (run in the pool, chunk by chunk)."""
    from bot.core.advice import handover
    from bot.website import feedback

    tz = period.tz
    if name == "conversations":
        return exports.conversations(review_conversations.iterate(_reader(request), period), tz)
    if name == "turns":
        return exports.turns(review_conversations.iterate_turns(_reader(request), period), tz)
    if name == "unanswered":
        return exports.unanswered(review_queue.iterate(_reader(request), period), tz)
    if name == "feedback":
        items = _read_feedback(request.app[keys.DB_ENGINE], period, _feedback_filters(request))
        return exports.neutralised(feedback.export_csv(items))
    if name == "handovers":
        return exports.neutralised(handover.export(handover.read_all(request.app[keys.DB_ENGINE]), "csv"))
    raise web.HTTPNotFound()


@protected
async def _export(request: web.Request) -> web.StreamResponse:
    name, period = request.match_info["name"], _period(request)
    if name not in ("conversations", "turns", "unanswered", "feedback", "handovers"):
        return _json(
            {"error": f"Export inconnu « {name} » : conversations, turns, unanswered, feedback ou handovers."}, 404
        )
    _feedback_filters(request)
    done = object()
    try:
        chunks = await _in_pool(request, _export_rows, request, name, period)
        first = await _in_pool(request, next, chunks, done)
    except TrackerUnavailable as exc:
        return _json({"error": str(exc)}, 503)
    except Exception as exc:  # noqa: BLE001 - DatabaseUnavailable and driver errors alike
        log.warning("Export %s impossible : %s", name, exc)
        return _json({"error": _database_error(exc)}, 503)
    stamp = dt.datetime.now(period.tz).strftime("%Y%m%d-%H%M")
    response = _secured(
        web.StreamResponse(
            headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f'attachment; filename="boussole-{name}-{stamp}.csv"',
            }
        )
    )
    await response.prepare(request)
    chunk = first
    while chunk is not done:
        await response.write(chunk.encode("utf-8"))
        try:
            chunk = await _in_pool(request, next, chunks, done)
        except Exception as exc:  # noqa: BLE001 - headers are gone: end the file, say why in the log
            log.error("Export %s interrompu : %s", name, exc)
            break
    await response.write_eof()
    return response
