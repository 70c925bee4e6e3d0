"""The review pages served by the real website application (aiohttp, in this process) over
a tracker store written by Rasa's SQLTrackerStore, feedback and dossiers stored by the
project's own modules: access, escaping, headers, pages and CSV exports."""

from __future__ import annotations

import csv
import io
import re
import shutil

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.core.advice import handover
from bot.knowledge import store
from bot.website import feedback
from bot.website.admin import COOKIE
from bot.website.admin_auth import MAX_FAILURES, Sessions
from bot.website.app import create_app
from tests.support import review_store
from tests.support.review_store import DAY, Script, at

TOKEN = "jeton-des-conseillers-pour-les-tests"
ATTACK = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
PERIOD = {"du": "2026-03-01", "au": "2026-03-15"}


@pytest.fixture(scope="module")
def written_stores(tmp_path_factory):
    """The conversations, feedback and dossier the pages show, written once: through Rasa's
    tracker store that takes a tenth of a second, for each of some thirty tests."""
    folder = tmp_path_factory.mktemp("admin")
    tracker_url, db_url = f"sqlite:///{folder / 'tracker.db'}", f"sqlite:///{folder / 'kb.db'}"
    conversations = review_store.standard(tracker_url)
    attack = (
        Script(at(DAY, 16))
        .session()
        .user(ATTACK, "nlu_fallback", 0.3)
        .action("action_two_stage_fallback")
        .bot("Je ne suis pas sûr d'avoir compris.")
        .listen()
    )
    review_store.write(tracker_url, {"conv-attack": attack})
    engine = store.make_engine(db_url)
    feedback.store(
        engine,
        feedback.draft(
            "conv-answered",
            "down",
            comment=f"Pas clair {ATTACK}",
            answer_text="V.I.E – Volontariat",
            question_text="C'est quoi le V.I.E ?",
        ),
    )
    feedback.store(engine, feedback.draft("conv-answered", "up"))
    reference = handover.store(
        engine,
        handover.DossierDraft(
            conversation_id="conv-unanswered",
            region="bretagne",
            profile={"facts": ["Effectif : 25 salariés"], "values": {"headcount": "25"}},
            programmes=[
                {"id": "vie", "name": "V.I.E", "verdict": "probablement éligible", "checks": [], "source": "x"}
            ],
            open_questions=["le quota japonais sur le glutamate, c'est combien ?"],
            contact={"name": "Marie Martin", "email": "marie.martin@exemple.fr"},
            consent="Oui (bouton)",
        ),
    )
    engine.dispose()
    return folder, {"conversations": conversations, "reference": reference}


@pytest.fixture
def stores(written_stores, tmp_path, monkeypatch):
    """This test's own copy of the written stores (some pages write in them), named in the
    environment the website reads."""
    folder, written = written_stores
    for name in ("tracker.db", "kb.db"):
        shutil.copyfile(folder / name, tmp_path / name)
    tracker_url, db_url = f"sqlite:///{tmp_path / 'tracker.db'}", f"sqlite:///{tmp_path / 'kb.db'}"
    for name, value in (
        ("BOUSSOLE_TRACKER_URL", tracker_url),
        ("BOUSSOLE_DB_URL", db_url),
        ("BOUSSOLE_ADMIN_TOKEN", TOKEN),
        ("BOUSSOLE_RASA_URL", "http://127.0.0.1:9"),
    ):
        monkeypatch.setenv(name, value)
    return written


@pytest.fixture
async def client(stores):
    async with TestClient(TestServer(create_app())) as http:
        yield http


async def login(client, token=TOKEN, next_path="/admin/conversations"):
    return await client.post("/admin/login", data={"token": token, "next": next_path}, allow_redirects=False)


@pytest.fixture
async def admin(client):
    response = await login(client)
    assert response.status == 303
    return client


def csv_rows(text: str) -> list:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize(
    "path",
    [
        "/admin/conversations",
        "/admin/conversations/conv-answered",
        "/admin/unanswered",
        "/admin/feedback",
        "/admin/handovers",
        "/admin/activity",
    ],
)
async def test_pages_without_the_token_get_the_login_form(client, path):
    response = await client.get(path)
    body = await response.text()
    assert response.status == 401
    assert 'name="token"' in body and "jeton d'accès des conseillers" in body.replace("&#x27;", "'")
    # Nothing of the data, only the page asked for, to come back to after logging in.
    assert "<code>conv-" not in body and "Marie" not in body and "<table" not in body
    assert f'name="next" value="{path}"' in body


@pytest.mark.parametrize("name", ["conversations", "turns", "unanswered", "feedback", "handovers"])
async def test_exports_without_the_token_get_json(client, name):
    response = await client.get(f"/admin/export/{name}.csv")
    assert response.status == 401
    assert "jeton" in (await response.json())["error"]


async def test_a_wrong_token_is_refused_then_paused(client):
    response = await login(client, "pas-le-bon-jeton-du-tout")
    assert response.status == 401 and COOKIE not in response.cookies
    assert "pas le bon" in await response.text()
    for _ in range(MAX_FAILURES - 1):
        await login(client, "encore-un-mauvais-jeton")
    paused = await login(client)
    assert paused.status == 429 and "Trop d'essais" in (await paused.text()).replace("&#x27;", "'")


async def test_login_sets_a_strict_http_only_cookie_and_logout_ends_it(client):
    response = await login(client, next_path="/admin/unanswered")
    assert response.status == 303 and response.headers["Location"] == "/admin/unanswered"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/admin" in cookie
    assert TOKEN not in cookie
    assert (await client.get("/admin/unanswered")).status == 200
    stolen = response.cookies[COOKIE].value
    out = await client.post("/admin/logout")
    assert out.status == 200 and "déconnecté" in await out.text()
    assert (await client.get("/admin/unanswered")).status == 401
    # The same cookie, replayed after logout, is refused.
    replay = await client.get("/admin/unanswered", cookies={COOKIE: stolen})
    assert replay.status == 401


@pytest.mark.parametrize(
    "target", ["https://ailleurs.example/", "//ailleurs.example/admin", "/admin/login", "/autre-page"]
)
async def test_login_only_sends_back_to_a_review_page(client, target):
    response = await login(client, next_path=target)
    assert response.headers["Location"] == "/admin/conversations"


async def test_logout_and_login_only_accept_post(client):
    assert (await client.get("/admin/logout")).status == 405
    assert (await client.get("/admin/login?token=" + TOKEN, allow_redirects=False)).status == 200
    assert (await client.get("/admin/conversations")).status == 401


async def test_a_script_may_use_a_bearer_token(client):
    response = await client.get("/admin/export/conversations.csv", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status == 200
    wrong = await client.get("/admin/export/conversations.csv", headers={"Authorization": "Bearer faux"})
    assert wrong.status == 401


async def test_pages_are_private_and_forbid_inline_code(admin):
    response = await admin.get("/admin/conversations")
    headers = response.headers
    assert headers["Cache-Control"] == "no-store" and headers["X-Frame-Options"] == "DENY"
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    body = await response.text()
    assert "<script" not in body and "style=" not in body and "<style" not in body
    assert '<html lang="fr">' in body


async def test_conversations_page_lists_them_most_recent_first(admin):
    body = await (await admin.get("/admin/conversations")).text()
    order = [m for m in re.findall(r"<code>(conv-[a-z]+)</code>", body)]
    assert order == ["conv-night", "conv-attack", "conv-unanswered", "conv-answered", "conv-old"]
    assert "5 conversations" in body and '<th scope="col">Sans réponse</th>' in body
    filtered = await (await admin.get("/admin/conversations", params={"du": "2026-03-11", "au": "2026-03-11"})).text()
    assert re.findall(r"<code>(conv-[a-z]+)</code>", filtered) == ["conv-night"]


async def test_a_conversation_shows_its_turns_with_what_user_text_cannot_do(admin):
    body = await (await admin.get("/admin/conversations/conv-attack")).text()
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in body
    assert "sans réponse : incompris" in body
    detail = await (await admin.get("/admin/conversations/conv-unanswered")).text()
    assert 'Une question sur un dispositif d&#x27;aide</span> <span class="muted">(bouton)' in detail
    assert '<code>out_of_scope</code> <span class="muted">(88\u202f%)</span>' in detail
    assert "action_programme_amount" in detail and "sans réponse : pas dans la base" in detail


async def test_an_unknown_conversation_is_a_french_404(admin):
    response = await admin.get("/admin/conversations/personne%2F..%2Fetc")
    assert response.status == 404 and "Aucune conversation" in await response.text()


async def test_the_queue_links_each_message_to_its_turn(admin):
    body = await (await admin.get("/admin/unanswered")).text()
    assert "6 messages" in body
    assert body.index("euh donc voilà") < body.index("xqzw plorb")
    link = re.search(
        r'href="(/admin/conversations/conv-unanswered#tour-\d+)">Voir le tour</a></td></tr>\s*$',
        body.split("</tbody>")[0],
    )
    assert link, "the oldest message links to its turn"
    detail = await (await admin.get(link.group(1).split("#")[0])).text()
    assert f'id="{link.group(1).split("#")[1]}" class="unanswered"' in detail


@pytest.mark.parametrize(
    "query, message",
    [
        ({"page": "zéro"}, "Numéro de page invalide"),
        ({"page": "0"}, "Numéro de page invalide"),
        ({"du": "10/03/2026"}, "AAAA-MM-JJ"),
    ],
)
async def test_bad_parameters_get_a_french_message(admin, query, message):
    response = await admin.get("/admin/unanswered", params=query)
    assert response.status == 400 and message in await response.text()


async def test_feedback_with_comments_and_filters(admin):
    body = await (await admin.get("/admin/feedback")).text()
    assert "2 avis" in body and "👎 pas utile" in body and "👍 utile" in body
    assert "Pas clair &lt;img" in body and "<img src=x" not in body
    commented = await (await admin.get("/admin/feedback", params={"commentaire": "1"})).text()
    assert "1 avis" in commented and "Pas clair" in commented
    assert "1 avis" in await (await admin.get("/admin/feedback", params={"note": "up"})).text()


async def test_handover_requests(admin, stores):
    body = await (await admin.get("/admin/handovers")).text()
    assert stores["reference"] in body and "marie.martin@exemple.fr" in body
    assert "V.I.E (probablement éligible)" in body and "« le quota japonais" in body
    assert 'href="/admin/conversations/conv-unanswered"' in body


async def test_activity_page_has_charts_and_their_numbers(admin):
    body = await (await admin.get("/admin/activity", params=PERIOD)).text()
    assert body.count('<svg class="chart"') == 2 and body.count("<title id=") == 2
    assert "Messages par jour et par intention, du 1er mars 2026 au 15 mars 2026" in body
    row = re.search(
        r"<tr><th scope=\"row\">10 mars 2026</th><td class=\"number\">6</td>"
        r"<td class=\"number\">5</td><td class=\"number\">83,3\u202f%</td></tr>",
        body,
    )
    assert row, "the day's typed messages, unanswered ones and their share"


async def test_csv_exports_parse_with_the_expected_rows(admin, stores):
    conversations = csv_rows(await (await admin.get("/admin/export/conversations.csv", params=PERIOD)).text())
    assert {r["conversation_id"]: (r["turns"], r["unanswered"]) for r in conversations} == {
        "conv-night": ("1", "1"),
        "conv-attack": ("1", "1"),
        "conv-unanswered": ("5", "4"),
        "conv-answered": ("2", "0"),
    }
    turns = csv_rows(await (await admin.get("/admin/export/turns.csv", params=PERIOD)).text())
    assert [r["user_text"] for r in turns if r["conversation_id"] == "conv-answered"] == [
        "C'est quoi le V.I.E ?",
        '/ask_eligibility{"programme":"vie"}',
    ]
    missed = csv_rows(await (await admin.get("/admin/export/unanswered.csv")).text())
    assert [(r["conversation_id"], r["reason"]) for r in missed][:2] == [
        ("conv-night", "incompris"),
        ("conv-attack", "incompris"),
    ]
    assert missed[1]["user_text"] == ATTACK
    notes = csv_rows(await (await admin.get("/admin/export/feedback.csv")).text())
    assert sorted(r["rating"] for r in notes) == ["down", "up"]
    dossiers = csv_rows(await (await admin.get("/admin/export/handovers.csv")).text())
    assert [(d["reference"], d["contact_email"]) for d in dossiers] == [
        (stores["reference"], "marie.martin@exemple.fr")
    ]
    response = await admin.get("/admin/export/unanswered.csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="boussole-unanswered-' in response.headers["Content-Disposition"]
    assert (await admin.get("/admin/export/inconnu.csv")).status == 404


async def test_an_unreadable_tracker_store_is_a_french_message(client, monkeypatch, stores):
    monkeypatch.setenv("BOUSSOLE_TRACKER_URL", "postgresql://postgres@127.0.0.1:1/rien")
    async with TestClient(TestServer(create_app())) as other:
        await login(other)
        response = await other.get("/admin/conversations")
        assert response.status == 503 and "BOUSSOLE_TRACKER_URL" in await response.text()
        export = await other.get("/admin/export/unanswered.csv")
        assert export.status == 503 and "BOUSSOLE_TRACKER_URL" in (await export.json())["error"]


async def test_a_short_token_keeps_the_pages_closed(monkeypatch, stores):
    monkeypatch.setenv("BOUSSOLE_ADMIN_TOKEN", "court")
    async with TestClient(TestServer(create_app())) as other:
        response = await login(other, "court")
        assert response.status == 503 and "trop court" in await response.text()
        assert (await other.get("/admin/conversations")).status == 503


async def test_a_session_store_out_of_reach_closes_the_pages_with_a_french_503(stores, monkeypatch):
    """Sessions kept in a Redis that does not answer (nothing listens on port 1): no
    session is opened nor accepted, and the adviser is told why; a script's bearer token
    still works."""
    monkeypatch.setenv("BOUSSOLE_LOCK_STORE", "redis://127.0.0.1:1/0")
    async with TestClient(TestServer(create_app())) as http:
        refused = await login(http)
        assert refused.status == 503 and COOKIE not in refused.cookies
        assert "Redis, qui ne répond pas" in (await refused.text()).replace("&#x27;", "'")
        # A cookie this token signed (opened before Redis went away) reaches the store.
        signed = await Sessions(TOKEN).issue()
        page = await http.get("/admin/feedback", cookies={COOKIE: signed})
        assert page.status == 503 and "momentanément impossible" in (await page.text()).replace("&#x27;", "'")
        assert (await http.get("/admin/feedback", headers={"Authorization": f"Bearer {TOKEN}"})).status == 200
