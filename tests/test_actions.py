"""The custom actions, called as the action server calls them: a real Tracker, a real
dispatcher and the knowledge base read from a real database."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import actions
from bot.knowledge import provider, store


@pytest.fixture
def loaded_db(dataset, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    store.load(dataset, store.make_engine(url))
    monkeypatch.setenv("BOUSSOLE_DB_URL", url)
    monkeypatch.setattr(provider, "_knowledge_base", None)
    return url


def tracker(text: str, intent: str, entities=()) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.99},
              "entities": [{"entity": e, "value": v, "start": 0, "end": len(v)} for e, v in entities]}
    return Tracker("utilisateur-test", {}, latest, [], False, None, {}, "action_listen")


async def run(action, tr):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tr, {})
    return dispatcher.messages, events


async def test_programme_action_answers_and_sets_the_slot(loaded_db, kb):
    messages, events = await run(actions.ActionProgrammeDetails(),
                                 tracker("c'est quoi l'AP ?", "ask_programme", [("programme", "assurance-prospection")]))
    record = kb.get("programme", "assurance-prospection")
    assert record["name"] in messages[0]["text"]
    assert record["sources"][0]["url"] in messages[0]["text"]
    assert events == [SlotSet("programme", "assurance-prospection")]


async def test_programme_action_unknown_name_offers_buttons(loaded_db):
    messages, events = await run(actions.ActionProgrammeDetails(),
                                 tracker("c'est quoi le dispositif zorglub", "ask_programme", [("programme", "zorglub")]))
    assert "Je ne connais pas ce dispositif" in messages[0]["text"]
    assert messages[0]["buttons"] and events == []


async def test_obstacle_action(loaded_db, kb):
    messages, events = await run(actions.ActionObstacleAdvice(),
                                 tracker("les normes c'est compliqué", "ask_obstacle", [("obstacle", "normes")]))
    assert kb.get("obstacle", "normes")["name"] in messages[0]["text"]
    assert kb.get("obstacle", "normes")["sources"][0]["url"] in messages[0]["text"]
    assert events == [SlotSet("obstacle", "normes")]


async def test_cluster_action(loaded_db):
    messages, events = await run(actions.ActionClusterInfo(),
                                 tracker("parle moi de medicen", "ask_cluster", [("cluster", "Medicen")]))
    assert "Medicen" in messages[0]["text"] and "vérifié le" in messages[0]["text"]
    assert events == [SlotSet("cluster", "medicen-paris-region")]


async def test_overview_action(loaded_db):
    messages, _ = await run(actions.ActionSupportOverview(), tracker("quelles aides ?", "ask_support_overview"))
    assert "Team France Export" in messages[0]["text"]


async def test_unreadable_database_gives_a_polite_message(tmp_path, monkeypatch):
    monkeypatch.setenv("BOUSSOLE_DB_URL", f"sqlite:///{tmp_path / 'vide.db'}")
    monkeypatch.setattr(provider, "_knowledge_base", None)
    messages, events = await run(actions.ActionProgrammeDetails(),
                                 tracker("c'est quoi l'AP ?", "ask_programme", [("programme", "AP")]))
    assert "momentanément indisponible" in messages[0]["text"] and events == []


async def test_region_action_from_a_departement_number(loaded_db, kb):
    messages, events = await run(actions.ActionRegionSupport(),
                                 tracker("je suis dans le 69", "ask_region_support", [("departement", "69")]))
    assert "Rhône (69) fait partie de la Région Auvergne-Rhône-Alpes" in messages[0]["text"]
    assert events == [SlotSet("region", "auvergne-rhone-alpes")]


async def test_country_action(loaded_db, kb):
    messages, events = await run(actions.ActionCountryInfo(),
                                 tracker("exporter au Canada", "ask_country", [("country", "Canada")]))
    assert "au Canada" in messages[0]["text"] and "CETA" in messages[0]["text"]
    assert events == [SlotSet("country", "ca")]


async def test_organisation_action(loaded_db, kb):
    messages, events = await run(actions.ActionOrganisationInfo(),
                                 tracker("que fait BF", "ask_organisation", [("organisation", "Business France")]))
    assert kb.get("organisation", "business-france")["summary"] in messages[0]["text"]
    assert events == [SlotSet("organisation", "business-france")]
