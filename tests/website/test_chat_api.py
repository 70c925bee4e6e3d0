"""The website's gateway served for real (aiohttp test server, real HTTP, real database),
with Rasa pointed at a closed port: every check here happens before or instead of Rasa."""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.config import settings
from bot.knowledge import store
from bot.tools.processes import free_port
from bot.website import feedback
from bot.website.app import create_app

PARTNER = "https://www.partenaire.example"
SESSION = "0123456789abcdef0123456789abcdef"


def closed_port_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def web_env(monkeypatch, tmp_path):
    monkeypatch.setenv("BOUSSOLE_DB_URL", f"sqlite:///{tmp_path / 'web.db'}")
    monkeypatch.setenv("BOUSSOLE_RASA_TOKEN", "jeton-unitaire")
    monkeypatch.setenv("BOUSSOLE_CORS_ORIGINS", PARTNER)
    for name in (
        "BOUSSOLE_RATE_LIMIT_SESSION",
        "BOUSSOLE_RATE_LIMIT_IP",
        "BOUSSOLE_FRAME_ANCESTORS",
        "BOUSSOLE_LOG_MESSAGES",
        "BOUSSOLE_MAX_MESSAGE_CHARS",
        "BOUSSOLE_TRUST_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
async def make_client(web_env):
    clients = []

    async def make(extra_routes=None) -> TestClient:
        app = create_app(rasa_url=closed_port_url(), actions_url=closed_port_url())
        for path, handler in (extra_routes or {}).items():
            app.router.add_get(path, handler)
        client = TestClient(TestServer(app))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


def assert_french_json_error(response, body, status):
    assert response.status == status
    assert response.content_type == "application/json"
    assert isinstance(body["error"], str) and body["error"]
    assert not re.search(r"Traceback|\.py\b|/work/|/usr/", body["error"])


async def test_page_headers_and_no_inline_code(make_client):
    client = await make_client()
    response = await client.get("/")
    assert response.status == 200
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "object-src 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'self'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"

    class Inline(HTMLParser):
        found = []

        def handle_starttag(self, tag, attrs):
            names = dict(attrs)
            if tag == "script" and not names.get("src"):
                self.found.append("script sans src")
            if tag == "style" or "style" in names or any(n.startswith("on") for n in names):
                self.found.append(f"{tag} {sorted(names)}")

    parser = Inline()
    parser.feed(await response.text())
    assert parser.found == []
    widget = await client.get("/widget.js")
    assert widget.status == 200 and widget.content_type == "text/javascript"
    code = await widget.text()
    # Bot text must never be parsed as HTML, and no style may be set inline.
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\.style\b|eval\(", code)


async def test_frame_ancestors_comes_from_configuration(make_client, web_env):
    web_env.setenv("BOUSSOLE_FRAME_ANCESTORS", f"'self' {PARTNER}")
    client = await make_client()
    response = await client.get("/")
    assert f"frame-ancestors 'self' {PARTNER}" in response.headers["Content-Security-Policy"]


async def test_every_error_is_french_json(make_client):
    async def boom(request):
        raise RuntimeError("/work/secret/path.py exploded")

    client = await make_client({"/boom": boom})
    cases = [
        (client.get("/nulle-part"), 404),
        (client.get("/static/../../bot/config/settings.py"), 404),
        (client.get("/api/chat"), 405),
        (client.post("/api/chat", data="{pas du json", headers={"Content-Type": "application/json"}), 400),
        (client.post("/api/chat", json=["liste"]), 400),
        (client.post("/api/chat", json={"message": 12}), 400),
        (
            client.post(
                "/api/chat", data="message=bonjour", headers={"Content-Type": "application/x-www-form-urlencoded"}
            ),
            415,
        ),
        (client.post("/api/chat", data="x" * 70_000, headers={"Content-Type": "application/json"}), 413),
        (client.get("/boom"), 500),
    ]
    for request, status in cases:
        response = await request
        body = await response.json()
        assert_french_json_error(response, body, status)
        assert "Content-Security-Policy" in response.headers
    response = await client.get("/api/chat")
    assert "POST" in response.headers["Allow"]


async def test_message_over_the_limit_gets_a_french_answer(make_client, web_env):
    web_env.setenv("BOUSSOLE_MAX_MESSAGE_CHARS", "50")
    client = await make_client()
    response = await client.post("/api/chat", json={"message": "é" * 51, "session_id": SESSION})
    body = await response.json()
    assert_french_json_error(response, body, 413)
    assert body["code"] == "message_too_long" and body["max_chars"] == 50
    assert "51 caractères" in body["error"] and "50 au plus" in body["error"]


async def test_unreachable_rasa_is_a_french_503(make_client):
    client = await make_client()
    response = await client.post("/api/chat", json={"message": "Bonjour", "session_id": SESSION})
    assert_french_json_error(response, await response.json(), 503)


async def scripted_rasa(statuses: list) -> tuple[TestServer, list]:
    """A stand-in for Rasa's REST channel answering each message with the next status of
    `statuses` (200 once they are used up); returns the server and the bodies it received."""
    received = []

    async def webhook(request):
        body = await request.json()
        received.append(body)
        status = statuses.pop(0) if statuses else 200
        if status != 200:
            return web.json_response({"error": "panne"}, status=status)
        return web.json_response([{"recipient_id": body["sender"], "text": f"Réponse à « {body['message']} »"}])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    server = TestServer(app)
    await server.start_server()
    return server, received


async def gateway_to(rasa: TestServer) -> TestClient:
    client = TestClient(TestServer(create_app(rasa_url=str(rasa.make_url("")), actions_url=closed_port_url())))
    await client.start_server()
    return client


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_a_message_that_failed_at_the_entry_is_sent_once_more_with_its_id(web_env, status):
    rasa, received = await scripted_rasa([status])
    client = await gateway_to(rasa)
    try:
        response = await client.post("/api/chat", json={"message": "Bonjour", "session_id": SESSION})
        assert response.status == 200
        assert (await response.json())["messages"][0]["text"] == "Réponse à « Bonjour »"
    finally:
        await client.close()
        await rasa.close()
    assert len(received) == 2
    assert received[0] == received[1] and len(received[0]["message_id"]) == 32


async def test_the_client_s_message_id_reaches_rasa_and_a_second_failure_is_said_in_french(web_env):
    rasa, received = await scripted_rasa([502, 502])
    client = await gateway_to(rasa)
    try:
        response = await client.post(
            "/api/chat", json={"message": "Bonjour", "session_id": SESSION, "message_id": "msg-42"}
        )
        body = await response.json()
        assert_french_json_error(response, body, 502)
        # The widget sends it again with « Réessayer »: Rasa answers it once.
        assert body["message_id"] == "msg-42"
        badly_formed = await client.post(
            "/api/chat", json={"message": "Bonjour", "session_id": SESSION, "message_id": "pas d'espace ici"}
        )
        assert_french_json_error(badly_formed, await badly_formed.json(), 400)
    finally:
        await client.close()
        await rasa.close()
    assert [one["message_id"] for one in received] == ["msg-42", "msg-42"]


async def test_an_error_of_rasa_itself_is_not_sent_again(web_env):
    """A 500 comes from the Rasa server that took the message: sending it again would give
    the same error."""
    rasa, received = await scripted_rasa([500])
    client = await gateway_to(rasa)
    try:
        response = await client.post("/api/chat", json={"message": "Bonjour", "session_id": SESSION})
        assert_french_json_error(response, await response.json(), 502)
    finally:
        await client.close()
        await rasa.close()
    assert len(received) == 1


async def test_per_session_rate_limit(make_client, web_env):
    web_env.setenv("BOUSSOLE_RATE_LIMIT_SESSION", "2")
    client = await make_client()
    statuses = []
    for _ in range(3):
        response = await client.post("/api/chat", json={"message": "Bonjour", "session_id": "a" * 32})
        statuses.append(response.status)
    assert statuses == [503, 503, 429]
    body = await response.json()
    assert_french_json_error(response, body, 429)
    assert 1 <= int(response.headers["Retry-After"]) <= 60 and body["retry_after"] == int(
        response.headers["Retry-After"]
    )
    assert "patientez" in body["error"]
    other = await client.post("/api/chat", json={"message": "Bonjour", "session_id": "b" * 32})
    assert other.status == 503


async def test_per_address_rate_limit_covers_the_api_only(make_client, web_env):
    web_env.setenv("BOUSSOLE_RATE_LIMIT_IP", "3")
    client = await make_client()
    statuses = []
    for index in range(4):
        response = await client.post("/api/chat", json={"message": "Bonjour", "session_id": f"{index:032x}"})
        statuses.append(response.status)
    assert statuses == [503, 503, 503, 429]
    assert "Retry-After" in response.headers
    assert (await client.get("/")).status == 200


async def test_cors_allow_list(make_client):
    client = await make_client()
    preflight = {
        "Origin": PARTNER,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    allowed = await client.options("/api/chat", headers=preflight)
    assert allowed.status == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == PARTNER
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in allowed.headers["Access-Control-Allow-Headers"]

    refused = await client.options("/api/chat", headers={**preflight, "Origin": "https://intrus.example"})
    assert_french_json_error(refused, await refused.json(), 403)
    assert not any(h.startswith("Access-Control-") for h in refused.headers)

    mine = await client.post("/api/chat", json={"message": "x" * 3000}, headers={"Origin": PARTNER})
    assert mine.headers["Access-Control-Allow-Origin"] == PARTNER
    assert "Retry-After" in mine.headers["Access-Control-Expose-Headers"]
    theirs = await client.post("/api/chat", json={"message": "Bonjour"}, headers={"Origin": "https://intrus.example"})
    assert "Access-Control-Allow-Origin" not in theirs.headers


async def test_request_log_has_no_message_text_by_default(make_client, web_env, caplog):
    caplog.set_level(logging.INFO)
    client = await make_client()
    await client.post("/api/chat", json={"message": "Mon chiffre d'affaires secret", "session_id": SESSION})
    assert "POST /api/chat 503" in caplog.text
    assert "secret" not in caplog.text
    caplog.clear()
    web_env.setenv("BOUSSOLE_LOG_MESSAGES", "1")
    client = await make_client()
    await client.post("/api/chat", json={"message": "Mon chiffre d'affaires secret", "session_id": SESSION})
    assert "Mon chiffre d'affaires secret" in caplog.text


async def test_feedback_is_stored_in_the_database(make_client, web_env, db_url):
    web_env.setenv("BOUSSOLE_DB_URL", db_url)
    client = await make_client()
    response = await client.post(
        "/api/feedback",
        json={
            "session_id": SESSION,
            "rating": "down",
            "comment": "  Il manque le lien  ",
            "answer_text": "Le V.I.E…",
            "question_text": "c koi le vie",
        },
    )
    assert response.status == 201
    body = await response.json()
    assert body["message"] == "Merci pour votre avis."
    engine = store.make_engine(db_url)
    try:
        rows = feedback.read_all(engine)
    finally:
        engine.dispose()
    assert [(r["id"], r["conversation_id"], r["rating"], r["comment"], r["question_text"]) for r in rows] == [
        (body["id"], "web-" + SESSION, "down", "Il manque le lien", "c koi le vie")
    ]


async def test_bad_feedback_is_refused_in_french(make_client):
    client = await make_client()
    for payload, fragment in [
        ({"session_id": SESSION, "rating": "bof"}, "« up »"),
        ({"session_id": SESSION, "rating": "up", "comment": "a" * 1001}, "trop long"),
    ]:
        response = await client.post("/api/feedback", json=payload)
        body = await response.json()
        assert_french_json_error(response, body, 400)
        assert fragment in body["error"]


@pytest.mark.parametrize(
    "foreign",
    [
        "123456789",
        "U024BE7LH",
        "web-0123456789abcdef0123456789abcdef",
        "whatsapp:+33612345678",
        "0123456789ABCDEF0123456789ABCDEF",
        "",
    ],
)
async def test_ids_outside_the_website_namespace_get_the_same_french_404(make_client, foreign):
    client = await make_client()
    history = await client.get("/api/history", params={"session_id": foreign})
    chat = await client.post("/api/chat", json={"message": "Bonjour", "session_id": foreign or 42})
    vote = await client.post("/api/feedback", json={"session_id": foreign, "rating": "up"})
    bodies = [await r.json() for r in (history, chat, vote)]
    for response, body in zip((history, chat, vote), bodies):
        assert_french_json_error(response, body, 404)
    assert (
        bodies[0]
        == bodies[1]
        == bodies[2]
        == {"error": "Conversation introuvable : commencez-en une nouvelle.", "code": "unknown_session"}
    )


async def test_history_needs_a_valid_conversation_and_says_when_rasa_is_down(make_client):
    client = await make_client()
    bad = await client.get("/api/history", params={"session_id": "../../etc"})
    assert_french_json_error(bad, await bad.json(), 404)
    down = await client.get("/api/history", params={"session_id": SESSION})
    assert_french_json_error(down, await down.json(), 503)


@pytest.mark.parametrize(
    "name, value, fragment",
    [
        ("BOUSSOLE_RATE_LIMIT_IP", "beaucoup", "nombre entier"),
        ("BOUSSOLE_MAX_MESSAGE_CHARS", "0", "au moins 1"),
        ("BOUSSOLE_CORS_ORIGINS", "https://site.example/page", "n'est pas une origine"),
        ("BOUSSOLE_FRAME_ANCESTORS", "'self'; script-src *", "séparées par des espaces"),
    ],
)
def test_bad_settings_are_named_in_french(monkeypatch, name, value, fragment):
    monkeypatch.setenv(name, value)
    with pytest.raises(settings.InvalidSetting, match=fragment):
        settings.current()


async def test_forwarded_address_is_used_only_behind_a_trusted_proxy(make_client, web_env):
    web_env.setenv("BOUSSOLE_RATE_LIMIT_IP", "1")
    client = await make_client()
    first = await client.get("/api/history", params={"session_id": SESSION}, headers={"X-Forwarded-For": "203.0.113.1"})
    other = await client.get("/api/history", params={"session_id": SESSION}, headers={"X-Forwarded-For": "203.0.113.2"})
    assert (first.status, other.status) == (503, 429)  # not trusted: both are the test client's address
    web_env.setenv("BOUSSOLE_TRUST_PROXY", "1")
    client = await make_client()
    statuses = []
    for address in ("203.0.113.1", "203.0.113.2", "203.0.113.1"):
        response = await client.get(
            "/api/history", params={"session_id": SESSION}, headers={"X-Forwarded-For": f"{address}, 10.0.0.1"}
        )
        statuses.append(response.status)
    assert statuses == [503, 503, 429]
