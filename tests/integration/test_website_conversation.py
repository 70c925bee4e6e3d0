"""French messages through the website gateway, answered by the trained model and the real
action server, checked against the knowledge base."""

from __future__ import annotations

import re
import uuid

import pytest
import requests

from bot.core.replies import french_date
from tests.support.website_chat import chat, text_of

# « Source : url (vérifié le …) », « Source non officielle : … », « (page du …, vérifié le …) ».
SOURCE = re.compile(
    r"Sources?(?: non officielles?)? : https?://\S+.*"
    r"\((?:page du \d{1,2}(?:er)? \w+ \d{4}, )?vérifié le \d{1,2}(er)? \w+ \d{4}\)"
)


def assert_programme_answer(kb, messages, pid):
    record = kb.get("programme", pid)
    text = text_of(messages)
    assert record["name"] in text
    assert record["sources"][0]["url"] in text
    assert f"vérifié le {french_date(record['verified_on'])}" in text


@pytest.mark.parametrize(
    "message, pid",
    [
        ("C'est quoi l'Assurance Prospection ?", "assurance-prospection"),
        ("c koi le vie", "vie"),
        ("Parlez-moi du Prêt Croissance International", "pret-croissance-international"),
        ("l'AP de bpi c pour qui", "assurance-prospection"),
        ("C'est quoi le carnet ATA ?", "carnet-ata"),
    ],
)
def test_programme_questions(website, kb, message, pid):
    assert_programme_answer(kb, chat(website, message), pid)


def test_ended_programme_is_said_to_be_ended(website, kb):
    text = text_of(chat(website, "Le Chèque Relance Export, ça existe encore ?"))
    assert "terminé depuis le 15 décembre 2022" in text


def test_button_payload_is_answered(website, kb):
    assert_programme_answer(kb, chat(website, '/ask_programme{"programme":"vie"}'), "vie")


def test_financing_overview(website, kb):
    text = text_of(chat(website, "Quelles aides existent pour exporter ?"))
    for pid in ("assurance-prospection", "pret-croissance-international"):
        assert kb.get("programme", pid)["name"] in text
    assert SOURCE.search(text)


def test_support_overview(website):
    text = text_of(chat(website, "Par où commencer pour exporter ? Qui peut m'accompagner ?"))
    assert "Team France Export" in text and SOURCE.search(text)


@pytest.mark.parametrize(
    "message, obstacle_id",
    [
        ("Comment me protéger contre le risque de change ?", "risque-change"),
        ("On a peur des impayés de nos clients étrangers", "risque-paiement"),
    ],
)
def test_obstacle_questions(website, kb, message, obstacle_id):
    text = text_of(chat(website, message))
    obstacle = kb.get("obstacle", obstacle_id)
    assert obstacle["name"] in text or any(f["answer"] in text for f in kb.all("faq"))
    assert SOURCE.search(text)


def test_cluster_question(website):
    text = text_of(chat(website, "Que fait le pôle Medicen à l'international ?"))
    assert "Medicen" in text and "Maryland" in text and SOURCE.search(text)


def test_cluster_by_sector(website):
    text = text_of(chat(website, "Quel pôle de compétitivité pour l'aéronautique ?"))
    assert "Aerospace Valley" in text


@pytest.mark.parametrize(
    "message, expected",
    [
        ("Bonjour", "Boussole Export"),
        ("Merci beaucoup !", "Avec plaisir"),
        ("Au revoir", "Au revoir"),
        ("Est-ce que je parle à un robot ?", "assistant automatique"),
        ("Quel temps fera-t-il à Brest demain ?", "Je ne sais répondre qu'aux questions sur l'export"),
    ],
)
def test_small_talk_and_fallbacks(website, message, expected):
    assert expected in text_of(chat(website, message))


def test_gibberish_is_met_with_a_request_to_rephrase(website):
    # Either the nonsense intent or the first stage of the fallback: both ask to rephrase.
    text = text_of(chat(website, "xqzw plorb vrtk"))
    assert "je n'ai pas bien compris" in text or "Je ne suis pas sûr d'avoir compris" in text


def test_greeting_offers_example_questions(website, rasa_server):
    messages = chat(website, "bonjour")
    payloads = [b["payload"] for m in messages for b in m.get("buttons", [])]
    assert len(payloads) == 3
    # The domain doubles the braces so that Rasa's slot filling leaves the JSON intact.
    assert '/ask_programme{"programme":"assurance-prospection"}' in payloads
    assert "interpolator" not in rasa_server.log_path.read_text(errors="replace")


def test_conversation_keeps_its_session(website, kb):
    session = uuid.uuid4().hex
    chat(website, "bonjour", session)
    assert_programme_answer(kb, chat(website, "c'est quoi l'assurance prospection", session), "assurance-prospection")


@pytest.mark.parametrize(
    "body, status, expected",
    [
        ({"message": "   "}, 400, "vide"),
        ({"message": "x" * 2001}, 413, "trop long"),
        ({"texte": "bonjour"}, 400, "obligatoire"),
    ],
)
def test_gateway_refuses_bad_input_in_french(website, body, status, expected):
    response = requests.post(f"{website.url}/api/chat", json=body, timeout=10)
    assert response.status_code == status
    assert expected in response.json()["error"]


def test_gateway_refuses_a_body_that_is_not_json(website):
    response = requests.post(
        f"{website.url}/api/chat",
        data=b"\xff\xfe pas du json",
        timeout=10,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400 and "JSON" in response.json()["error"]


def test_healthz_reports_every_part(website):
    response = requests.get(f"{website.url}/healthz", timeout=10)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "rasa": "ok", "actions": "ok", "database": "ok"}


def test_page_is_served_with_security_headers(website):
    response = requests.get(f"{website.url}/", timeout=10)
    assert response.status_code == 200 and "Boussole Export" in response.text
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.text  # no inline script: the CSP forbids it


def test_two_stage_fallback_then_a_chosen_topic_gets_its_answer(website, kb):
    """Payloads stand for « unclear message » and « button clicked », so that the test does
    not depend on which sentence the model finds unclear."""
    session = uuid.uuid4().hex
    asked = text_of(chat(website, "/nlu_fallback", session))
    assert "Pouvez-vous reformuler" in asked or "Vouliez-vous dire" in asked
    assert_programme_answer(kb, chat(website, '/ask_programme{"programme":"vie"}', session), "vie")


def test_two_stage_fallback_ends_with_an_adviser(website, kb):
    session = uuid.uuid4().hex
    chat(website, "/nlu_fallback", session)
    rephrase = text_of(chat(website, "/out_of_scope", session))
    assert "reformuler" in rephrase
    chat(website, "/nlu_fallback", session)
    last = text_of(chat(website, "/out_of_scope", session))
    tfe = kb.get("organisation", "team-france-export")
    assert "Un conseiller pourra vous répondre" in last and tfe["website"] in last
    # The conversation goes on normally afterwards.
    assert_programme_answer(kb, chat(website, "C'est quoi l'Assurance Prospection ?", session), "assurance-prospection")
