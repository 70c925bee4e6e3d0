"""Personal data through the running servers: the dossier's « questions restées sans
réponse » are the review queue's, and `python -m bot privacy erase` removes a website
conversation from the tracker store, the feedback and the dossiers."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid

import requests

from bot.core.advice import handover
from bot.knowledge import store
from bot.tools import privacy
from bot.website import feedback
from bot.website.review import queue
from bot.website.review.period import Period
from bot.website.review.tracker import TrackerReader
from tests.integration.conftest import ROOT, base_env
from tests.support.website_chat import chat, text_of

OFF_TOPIC = "Quel temps fera-t-il à Brest demain ?"
GIBBERISH = "xqzw plorb vrtk"


def _dossiers(kb_db_url: str, session: str) -> list:
    engine = store.make_engine(kb_db_url)
    try:
        return [d for d in handover.read_all(engine) if d["conversation_id"] in privacy.forms(session)]
    finally:
        engine.dispose()


def _queued(tracker_url: str, session: str) -> list:
    """The review page's queue for this conversation, oldest first."""
    reader = TrackerReader(tracker_url)
    try:
        items = queue.page(reader, Period(), size=1000).items
    finally:
        reader.close()
    return [(m.text, m.reason) for m in reversed(items) if m.sender_id in privacy.forms(session)]


def _erase(website, kb_db_url: str, number: str) -> subprocess.CompletedProcess:
    env = base_env(BOUSSOLE_DB_URL=kb_db_url, BOUSSOLE_TRACKER_URL=website.env["BOUSSOLE_TRACKER_URL"])
    return subprocess.run(
        [sys.executable, "-m", "bot", "privacy", "erase", number],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def test_dossier_lists_the_questions_the_review_queue_lists(website, kb_db_url):
    session = uuid.uuid4().hex
    chat(website, "Nous sommes 25 salariés dans l'agroalimentaire en Bretagne.", session)
    # Off-topic first: after gibberish, the two-stage fallback would take it as « none of these ».
    assert "Je ne sais répondre qu'aux questions sur l'export" in text_of(chat(website, OFF_TOPIC, session))
    assert "compris" in text_of(chat(website, GIBBERISH, session))
    offer = text_of(chat(website, "Je voudrais parler à un conseiller", session))
    assert "Rien n'est enregistré sans votre accord" in offer, offer
    chat(website, "oui", session)
    shown = text_of(chat(website, "Marie Martin, marie.martin@exemple.fr", session))
    assert re.search(r"référence BX-\d{8}-[0-9A-F]{6}", shown), shown
    assert "Questions restées sans réponse" in shown
    assert f"« {OFF_TOPIC} »" in shown and f"« {GIBBERISH} »" in shown

    [dossier] = _dossiers(kb_db_url, session)
    assert dossier["open_questions"] == [OFF_TOPIC, GIBBERISH]
    queued = _queued(website.env["BOUSSOLE_TRACKER_URL"], session)
    assert [text for text, _ in queued] == dossier["open_questions"]
    assert [reason for _, reason in queued] == ["out_of_scope", "not_understood"]


def test_erase_a_website_conversation_then_its_history_is_empty(website, kb_db_url):
    session = uuid.uuid4().hex
    answer = text_of(chat(website, "C'est quoi le V.I.E ?", session))
    response = requests.post(
        f"{website.url}/api/feedback",
        timeout=30,
        json={
            "session_id": session,
            "rating": "up",
            "comment": "Clair.",
            "answer_text": answer,
            "question_text": "C'est quoi le V.I.E ?",
        },
    )
    assert response.status_code in (200, 201), response.text
    history = requests.get(f"{website.url}/api/history", params={"session_id": session}, timeout=30).json()
    assert [m["author"] for m in history["messages"]][:1] == ["user"]

    erased = _erase(website, kb_db_url, session)
    assert erased.returncode == 0, erased.stderr
    assert f"Conversation « {session} » effacée" in erased.stdout
    assert re.search(r"historique des conversations .* : [1-9]\d* événements", erased.stdout), erased.stdout
    assert "1 avis" in erased.stdout
    engine = store.make_engine(kb_db_url)
    try:
        assert [f for f in feedback.read_all(engine) if f["conversation_id"] in privacy.forms(session)] == []
    finally:
        engine.dispose()
    # Nothing left: a second request finds nothing (code 2).
    again = _erase(website, kb_db_url, session)
    assert again.returncode == 2 and "Aucune donnée" in again.stderr

    history = requests.get(f"{website.url}/api/history", params={"session_id": session}, timeout=30)
    assert history.status_code == 200 and history.json()["messages"] == []
