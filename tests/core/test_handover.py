"""The warm handover without Rasa: contact details, what the dossier holds, storage on
SQLite and PostgreSQL, the CSV and JSON export, and what the conversation's events tell."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import pytest

from bot import cli
from bot.core.advice import conversation, handover
from bot.core.advice.company import NOT_GIVEN, CompanyProfile
from bot.knowledge import store
from bot.website.review import queue, unanswered
from bot.website.review.period import Period
from bot.website.review.tracker import TrackerReader
from tests.support import review_store


@pytest.mark.parametrize(
    "text, expected",
    [
        ("marie.martin@exemple.fr", {"email": "marie.martin@exemple.fr"}),
        (
            "Marie Martin, marie.martin@exemple.fr, 06 12 34 56 78",
            {"name": "Marie Martin", "email": "marie.martin@exemple.fr", "phone": "06 12 34 56 78"},
        ),
        ("mon tél : 06.12.34.56.78", {"phone": "06 12 34 56 78"}),
        ("+33 6 12 34 56 78 Paul", {"name": "Paul", "phone": "+33 6 12 34 56 78"}),
    ],
)
def test_contact_details_are_read(text, expected):
    assert handover.parse_contact(text).as_dict() == expected


@pytest.mark.parametrize("text", ["Marie Martin", "demain", ""])
def test_a_name_alone_is_no_way_to_call_back(text):
    assert handover.parse_contact(text) is None
    assert conversation.contact_answer(text) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("passer", NOT_GIVEN),
        ("je préfère ne pas le dire", NOT_GIVEN),
        ("annuler", conversation.CANCELLED),
        ("finalement non", conversation.CANCELLED),
    ],
)
def test_declining_or_cancelling(text, expected):
    assert conversation.contact_answer(text) == expected


def _events():
    """Events as Rasa gives them to the action server: a misunderstood message (two-stage
    fallback), a button, an out-of-scope question, then the handover offer accepted."""
    script = (
        review_store.Script(1_780_000_000)
        .session()
        .user("C'est quoi l'AP ?", "ask_programme", 0.95, [("programme", "AP")])
        .slot("programme", "assurance-prospection")
        .action("action_programme_details")
        .bot("Assurance Prospection…")
        .listen()
        .user("et le cerfa 4567 pour les moules ?", "nlu_fallback", 0.38)
        .action("action_two_stage_fallback")
        .bot("Vouliez-vous dire :", [("Autre chose", "/out_of_scope")])
        .listen()
        .user('/ask_eligibility{"programme":"vie"}', "ask_eligibility", 1.0)
        .slot("pending_eligibility", "vie")
        .action("action_programme_eligibility")
        .bot("V.I.E…")
        .listen()
        .user("la météo à Tokyo ?", "out_of_scope", 0.9)
        .action("action_out_of_scope")
        .bot("Je ne sais répondre qu'aux questions sur l'export.", response="utter_out_of_scope")
        .listen()
        .user("je voudrais un conseiller", "request_adviser", 0.97)
        .action("action_request_adviser")
        .bot("Voulez-vous un dossier ?")
        .listen()
        .user("oui volontiers", "affirm", 0.99)
    )
    return [event.as_dict() for event in script.events]


def test_what_the_events_tell():
    events = _events()
    assert conversation.programmes_discussed(events) == ["assurance-prospection", "vie"]
    assert conversation.open_questions(events) == ["et le cerfa 4567 pour les moules ?", "la météo à Tokyo ?"]
    consent = conversation.consent_record(events, "Voulez-vous un dossier ?")
    assert consent == "Voulez-vous un dossier ? — Réponse : « oui volontiers »"


def test_dossier_and_review_queue_share_one_definition(db_url):
    """The same conversation, stored by Rasa and read by the review page's queue, and given
    to the dossier as the action server receives it: the same messages, in the same order."""
    script = review_store.unanswered(1_780_000_000)
    review_store.write(db_url, {"conv": script})
    reader = TrackerReader(db_url)
    try:
        listed = [(m.text, m.reason) for m in reversed(queue.page(reader, Period(tz=review_store.PARIS)).items)]
    finally:
        reader.close()
    events = [event.as_dict() for event in script.events]
    assert unanswered.in_events(events) == listed
    assert (
        conversation.open_questions(events)
        == [text for text, _ in listed]
        == [
            "xqzw plorb",
            "Quel temps fera-t-il à Brest demain ?",
            "le quota japonais sur le glutamate, c'est combien ?",
            "blablabla",
        ]
    )
    assert [reason for _, reason in listed] == [
        unanswered.NOT_UNDERSTOOD,
        unanswered.OUT_OF_SCOPE,
        unanswered.NO_ANSWER,
        unanswered.NOT_UNDERSTOOD,
    ]


def test_button_consent_is_recorded_in_words():
    events = [{"event": "action", "name": "action_request_adviser"}, {"event": "user", "text": "/affirm"}]
    assert "Oui, préparer le dossier (bouton)" in conversation.consent_record(events, "?")


def _draft(kb, conversation_id="conv-1"):
    company = CompanyProfile(
        sector="plasturgie",
        region="pays-de-la-loire",
        departement="44",
        headcount=60,
        revenue=9_000_000,
        age_months=300,
        country="mx",
        need="risque-change",
    )
    return handover.build(
        kb,
        conversation_id,
        company,
        ["assurance-change", "assurance-prospection", "inconnu"],
        ["et le peso ?"],
        {"email": "a@b.fr"},
        "consentement",
    )


def test_dossier_holds_profile_programmes_with_trace_questions_and_contact(kb):
    draft = _draft(kb)
    assert "Effectif : 60 salariés" in draft.profile["facts"]
    assert draft.profile["values"]["region"] == "pays-de-la-loire"
    assert [p["id"] for p in draft.programmes] == ["assurance-change", "assurance-prospection"]
    for programme in draft.programmes:
        assert programme["checks"] and all(c[0] in "✔✘?" for c in programme["checks"])
        sources = kb.get("programme", programme["id"])["sources"]
        # The page the programme's replies show first: a primary one when there is one.
        assert programme["source"] == next((s["url"] for s in sources if s["primary"]), sources[0]["url"])
    assert draft.open_questions == ["et le peso ?"]


def test_store_export_and_knowledge_reload(kb, dataset, engine):
    reference = handover.store(engine, _draft(kb))
    assert reference.startswith("BX-")
    # Reloading knowledge/ rebuilds its own tables and leaves the dossiers alone.
    store.load(dataset, engine)
    dossiers = handover.read_all(engine)
    assert [d["reference"] for d in dossiers] == [reference]
    exported = json.loads(handover.export(dossiers, "json"))
    assert exported[0]["contact"] == {"email": "a@b.fr"}
    rows = list(csv.DictReader(io.StringIO(handover.export(dossiers, "csv"))))
    assert rows[0]["reference"] == reference and rows[0]["contact_email"] == "a@b.fr"
    assert "Assurance change" in rows[0]["programmes"] or "change" in rows[0]["programmes"].lower()
    assert handover.delete(engine, reference) is True
    assert handover.count(engine) == 0
    assert handover.delete(engine, reference) is False


def test_a_turn_run_twice_stores_one_dossier(kb, engine):
    """The action of one message run again (its server died before answering): the same
    reference, one dossier; another message's turn, or no turn id, stores another."""
    first = dataclasses.replace(_draft(kb), turn_id="message-1")
    again = dataclasses.replace(_draft(kb), turn_id="message-1")
    reference = handover.store(engine, first)
    assert handover.store(engine, again) == reference
    assert handover.count(engine) == 1
    assert handover.store(engine, dataclasses.replace(_draft(kb), turn_id="message-2")) != reference
    handover.store(engine, _draft(kb))
    handover.store(engine, _draft(kb))
    assert handover.count(engine) == 4
    # The same message id in another conversation is another turn.
    assert handover.store(engine, dataclasses.replace(_draft(kb, "conv-2"), turn_id="message-1")) != reference
    assert handover.count(engine) == 5


def test_cli_export_to_a_file(kb, tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    monkeypatch.setenv("BOUSSOLE_DB_URL", url)
    reference = handover.store(store.make_engine(url), _draft(kb))
    out = tmp_path / "dossiers.csv"
    assert cli.main(["handover", "export", "--format", "csv", "--output", str(out)]) == 0
    assert reference in out.read_text(encoding="utf-8")
    assert cli.main(["handover", "export", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["reference"] == reference
    assert cli.main(["handover", "delete", reference]) == 0
    assert cli.main(["handover", "delete", reference]) == 1
    assert "introuvable" in capsys.readouterr().err


def test_cli_export_refuses_an_unreachable_database(monkeypatch, capsys):
    monkeypatch.setenv("BOUSSOLE_DB_URL", "postgresql://nobody@127.0.0.1:1/none")
    assert cli.main(["handover", "export", "--format", "json"]) == 2
    assert "injoignable" in capsys.readouterr().err


def test_value_before_the_latest_message():
    events = [
        {"event": "slot", "name": "country", "value": "mx"},
        {"event": "user", "text": "un peu en Espagne"},
        {"event": "slot", "name": "country", "value": "es"},
    ]
    assert conversation.value_before_latest_message(events, "country") == "mx"
    assert conversation.value_before_latest_message(events[1:], "country") is None
