"""The advisers' review pages on the session's real website, after real conversations with
the trained model and the action server: one that falls back, one with feedback, one that
ends with a consented handover. Then the same pages in a real browser (Debian's Chromium),
audited with axe-core; screenshots go to tests/artifacts/ (git-ignored).

The conversations talk to Rasa's REST channel directly, as the website's gateway does: the
pages under test read what Rasa stored, whichever client wrote it."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid

import pytest
import requests

from bot.knowledge import store
from bot.website import feedback
from tests.integration.browser import ARTIFACTS, expect, new_watched, run_axe
from tests.integration.conftest import ADMIN_TOKEN

GIBBERISH = "xqzw plorb vrtk"
OFF_TOPIC = "Quel temps fera-t-il à Brest demain ?"
COMMENT = "Trop long pour moi, mais merci <b>quand même</b>"


def say(rasa_server, session: str, text: str) -> str:
    response = requests.post(
        f"{rasa_server.url}/webhooks/rest/webhook", json={"sender": session, "message": text}, timeout=90
    )
    assert response.status_code == 200, response.text
    return "\n".join(m.get("text", "") for m in response.json())


@pytest.fixture(scope="module")
def conversations(rasa_server, kb_db_url):
    """Three real conversations; returns their ids and what the pages should show."""
    fallback, rated, handed_over = (f"revue-{kind}-{uuid.uuid4().hex[:8]}" for kind in ("repli", "avis", "conseiller"))
    # Off-topic first: after gibberish, the two-stage fallback would take it as « none of these ».
    assert "Je ne sais répondre qu'aux questions sur l'export" in say(rasa_server, fallback, OFF_TOPIC)
    asked = say(rasa_server, fallback, GIBBERISH)
    assert "compris" in asked, asked
    assert "V.I.E" in say(rasa_server, fallback, "C'est quoi le V.I.E ?")

    answer = say(rasa_server, rated, "C'est quoi l'Assurance Prospection ?")
    engine = store.make_engine(kb_db_url)
    try:
        feedback.store(
            engine,
            feedback.draft(
                rated, "down", comment=COMMENT, answer_text=answer, question_text="C'est quoi l'Assurance Prospection ?"
            ),
        )
    finally:
        engine.dispose()

    say(rasa_server, handed_over, "Nous sommes 25 salariés dans l'agroalimentaire en Bretagne.")
    say(rasa_server, handed_over, "Je voudrais parler à un conseiller")
    say(rasa_server, handed_over, "oui")
    shown = say(rasa_server, handed_over, "Marie Martin, marie.martin@exemple.fr")
    reference = re.search(r"référence (BX-\d{8}-[0-9A-F]{6})", shown)
    assert reference, shown
    return {"fallback": fallback, "rated": rated, "handed_over": handed_over, "reference": reference.group(1)}


@pytest.fixture
def adviser(website):
    session = requests.Session()
    response = session.post(
        f"{website.url}/admin/login", data={"token": ADMIN_TOKEN}, allow_redirects=False, timeout=10
    )
    assert response.status_code == 303, response.text
    return session


def get(session, website, path, **params) -> requests.Response:
    response = session.get(f"{website.url}{path}", params=params, timeout=60)
    assert response.status_code == 200, response.text[:500]
    return response


def rows(response) -> list:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


def test_review_pages_need_the_token(website, conversations):
    page = requests.get(f"{website.url}/admin/unanswered", timeout=10)
    assert page.status_code == 401 and 'name="token"' in page.text and GIBBERISH not in page.text
    export = requests.get(f"{website.url}/admin/export/turns.csv", timeout=10)
    assert export.status_code == 401 and "jeton" in export.json()["error"]
    wrong = requests.post(
        f"{website.url}/admin/login", data={"token": "pas-le-bon-jeton"}, allow_redirects=False, timeout=10
    )
    assert wrong.status_code == 401 and "boussole_admin" not in wrong.cookies


def test_conversations_page_lists_the_conversations(website, conversations, adviser):
    body = get(adviser, website, "/admin/conversations").text
    for key in ("fallback", "rated", "handed_over"):
        assert conversations[key] in body
    detail = get(adviser, website, f"/admin/conversations/{conversations['fallback']}").text
    assert GIBBERISH in detail and "sans réponse : incompris" in detail
    assert "sans réponse : hors sujet" in detail and "action_out_of_scope" in detail
    assert "action_programme_details" in detail and "V.I.E" in detail


def test_the_queue_holds_the_messages_left_unanswered(website, conversations, adviser):
    body = get(adviser, website, "/admin/unanswered").text
    link = f"/admin/conversations/{conversations['fallback']}#tour-"
    assert GIBBERISH in body and OFF_TOPIC.replace("'", "&#x27;") in body and link in body
    assert body.index(GIBBERISH) < body.index(OFF_TOPIC.replace("'", "&#x27;"))  # newest first
    assert "C&#x27;est quoi le V.I.E ?" not in body


def test_feedback_and_handover_pages(website, conversations, adviser):
    notes = get(adviser, website, "/admin/feedback", commentaire="1").text
    assert "Trop long pour moi, mais merci &lt;b&gt;quand même&lt;/b&gt;" in notes and "👎 pas utile" in notes
    dossiers = get(adviser, website, "/admin/handovers").text
    assert conversations["reference"] in dossiers and "marie.martin@exemple.fr" in dossiers
    assert "Effectif : 25 salariés" in dossiers


def test_activity_page_draws_the_day(website, conversations, adviser):
    body = get(adviser, website, "/admin/activity").text
    assert body.count('<svg class="chart"') == 2
    assert "ask_programme" in body and "Messages écrits" in body


def test_csv_exports_hold_the_conversations(website, conversations, adviser):
    listed = {r["conversation_id"]: r for r in rows(get(adviser, website, "/admin/export/conversations.csv"))}
    fallback = listed[conversations["fallback"]]
    assert (fallback["turns"], fallback["unanswered"], fallback["channels"]) == ("3", "2", "rest")
    assert listed[conversations["rated"]]["unanswered"] == "0"
    turns = [
        r
        for r in rows(get(adviser, website, "/admin/export/turns.csv"))
        if r["conversation_id"] == conversations["fallback"]
    ]
    assert [t["user_text"] for t in turns] == [OFF_TOPIC, GIBBERISH, "C'est quoi le V.I.E ?"]
    assert [t["unanswered"] for t in turns] == ["hors sujet", "incompris", ""]
    assert turns[2]["intent"] == "ask_programme" and "programme=vie" in turns[2]["entities"]
    missed = [
        r
        for r in rows(get(adviser, website, "/admin/export/unanswered.csv"))
        if r["conversation_id"] == conversations["fallback"]
    ]
    assert [(m["user_text"], m["reason"]) for m in missed] == [(GIBBERISH, "incompris"), (OFF_TOPIC, "hors sujet")]
    notes = [
        r
        for r in rows(get(adviser, website, "/admin/export/feedback.csv"))
        if r["conversation_id"] == conversations["rated"]
    ]
    assert [(n["rating"], n["comment"]) for n in notes] == [("down", COMMENT)]
    dossiers = [
        d
        for d in rows(get(adviser, website, "/admin/export/handovers.csv"))
        if d["conversation_id"] == conversations["handed_over"]
    ]
    assert [(d["reference"], d["contact_email"]) for d in dossiers] == [
        (conversations["reference"], "marie.martin@exemple.fr")
    ]


# --- in a real browser ----------------------------------------------------------------


def watched_page(browser, **options):
    watched = new_watched(browser, **options)
    watched.page.problems = watched.problems
    return watched.page


def log_in(page, website, path="/admin/conversations"):
    page.goto(website.url + path)
    page.get_by_label("Jeton d'accès").fill(ADMIN_TOKEN)
    with page.expect_navigation():
        page.get_by_label("Jeton d'accès").press("Enter")
    assert page.url.endswith(path)


def test_keyboard_login_and_navigation_without_csp_violations(website, conversations, browser):
    page = watched_page(browser)
    page.goto(website.url + "/admin/unanswered")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Aller au contenu"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "token"
    page.keyboard.type(ADMIN_TOKEN)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/admin/unanswered")
    assert page.get_by_role("table").get_by_text(GIBBERISH).count() >= 1
    # The injected HTML of the feedback comment stays text.
    page.goto(website.url + "/admin/feedback")
    assert page.locator("td b").count() == 0 and page.get_by_text("<b>quand même</b>").count() >= 1
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible()
    page.goto(website.url + "/admin/feedback")
    expect(page.get_by_label("Jeton d'accès")).to_be_visible()
    assert page.problems == []
    page.context.close()


def test_accessibility_audit_of_the_review_pages(website, conversations, browser):
    # The pages' CSP rightly refuses injected scripts: the audit's context bypasses it.
    page = watched_page(browser, bypass_csp=True)
    report = {}
    page.goto(website.url + "/admin/conversations")
    report["connexion"] = run_axe(page)
    log_in(page, website)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pages = {
        "conversations": "/admin/conversations",
        "conversation": f"/admin/conversations/{conversations['fallback']}",
        "a-revoir": "/admin/unanswered",
        "avis": "/admin/feedback",
        "conseillers": "/admin/handovers",
        "statistiques": "/admin/activity",
    }
    for name, path in pages.items():
        page.goto(website.url + path)
        report[name] = run_axe(page)
        page.screenshot(path=str(ARTIFACTS / f"admin-{name}.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(website.url + pages["conversation"])
    # Wide tables scroll inside their region; the page itself fits the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    report["conversation-mobile"] = run_axe(page)
    page.screenshot(path=str(ARTIFACTS / "admin-conversation-mobile.png"), full_page=True)
    page.context.close()
    (ARTIFACTS / "admin-axe-results.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    blocking = {name: [v for v in found if v["impact"] in ("serious", "critical")] for name, found in report.items()}
    assert all(not found for found in blocking.values()), json.dumps(blocking, ensure_ascii=False, indent=2)
