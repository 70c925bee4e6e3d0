"""The warm handover without Rasa: contact details, what the dossier holds, storage on
SQLite and PostgreSQL, the CSV and JSON export, and what the conversation's events tell."""

from __future__ import annotations

import csv
import io
import json

import pytest

from bot import cli
from bot.advice import conversation, handover
from bot.advice.company import NOT_GIVEN, CompanyProfile
from bot.knowledge import store


@pytest.mark.parametrize("text, expected", [
    ("marie.martin@exemple.fr", {"email": "marie.martin@exemple.fr"}),
    ("Marie Martin, marie.martin@exemple.fr, 06 12 34 56 78",
     {"name": "Marie Martin", "email": "marie.martin@exemple.fr", "phone": "06 12 34 56 78"}),
    ("mon tél : 06.12.34.56.78", {"phone": "06 12 34 56 78"}),
    ("+33 6 12 34 56 78 Paul", {"name": "Paul", "phone": "+33 6 12 34 56 78"}),
])
def test_contact_details_are_read(text, expected):
    assert handover.parse_contact(text).as_dict() == expected


@pytest.mark.parametrize("text", ["Marie Martin", "demain", ""])
def test_a_name_alone_is_no_way_to_call_back(text):
    assert handover.parse_contact(text) is None
    assert conversation.contact_answer(text) is None


@pytest.mark.parametrize("text, expected", [
    ("passer", NOT_GIVEN), ("je préfère ne pas le dire", NOT_GIVEN),
    ("annuler", conversation.CANCELLED), ("finalement non", conversation.CANCELLED),
])
def test_declining_or_cancelling(text, expected):
    assert conversation.contact_answer(text) == expected


def _events():
    return [
        {"event": "user", "text": "C'est quoi l'AP ?"},
        {"event": "slot", "name": "programme", "value": "assurance-prospection"},
        {"event": "user", "text": "et le cerfa 4567 pour les moules ?"},
        {"event": "action", "name": "action_default_ask_affirmation"},
        {"event": "user", "text": "/ask_eligibility{\"programme\":\"vie\"}"},
        {"event": "slot", "name": "pending_eligibility", "value": "vie"},
        {"event": "user", "text": "la météo à Tokyo ?"},
        {"event": "action", "name": "utter_out_of_scope"},
        {"event": "action", "name": "action_request_adviser"},
        {"event": "user", "text": "oui volontiers"},
    ]


def test_what_the_events_tell():
    events = _events()
    assert conversation.programmes_discussed(events) == ["assurance-prospection", "vie"]
    assert conversation.open_questions(events) == ["et le cerfa 4567 pour les moules ?", "la météo à Tokyo ?"]
    consent = conversation.consent_record(events, "Voulez-vous un dossier ?")
    assert consent == "Voulez-vous un dossier ? — Réponse : « oui volontiers »"


def test_button_consent_is_recorded_in_words():
    events = [{"event": "action", "name": "action_request_adviser"}, {"event": "user", "text": "/affirm"}]
    assert "Oui, préparer le dossier (bouton)" in conversation.consent_record(events, "?")


def _draft(kb, conversation_id="conv-1"):
    company = CompanyProfile(sector="plasturgie", region="pays-de-la-loire", departement="44", headcount=60,
                             revenue=9_000_000, age_months=300, country="mx", need="risque-change")
    return handover.build(kb, conversation_id, company, ["assurance-change", "assurance-prospection", "inconnu"],
                          ["et le peso ?"], {"email": "a@b.fr"}, "consentement")


def test_dossier_holds_profile_programmes_with_trace_questions_and_contact(kb):
    draft = _draft(kb)
    assert "Effectif : 60 salariés" in draft.profile["facts"]
    assert draft.profile["values"]["region"] == "pays-de-la-loire"
    assert [p["id"] for p in draft.programmes] == ["assurance-change", "assurance-prospection"]
    for programme in draft.programmes:
        assert programme["checks"] and all(c[0] in "✔✘?" for c in programme["checks"])
        assert programme["source"] == kb.get("programme", programme["id"])["sources"][0]["url"]
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
    events = [{"event": "slot", "name": "country", "value": "mx"}, {"event": "user", "text": "un peu en Espagne"},
              {"event": "slot", "name": "country", "value": "es"}]
    assert conversation.value_before_latest_message(events, "country") == "mx"
    assert conversation.value_before_latest_message(events[1:], "country") is None
