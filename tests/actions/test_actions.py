"""The custom actions, called as the action server calls them: a real Tracker, a real
dispatcher and the knowledge base read from a real database."""

from __future__ import annotations

import shutil

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import actions
from bot.knowledge import provider, store


@pytest.fixture(autouse=True)
def fresh_provider():
    """Each test reads its own database: no snapshot (nor watcher thread) carried over."""
    provider.reset()
    yield
    provider.reset()


@pytest.fixture(scope="session")
def loaded_db_file(dataset, tmp_path_factory):
    """A database that `kb load` filled, once: loading takes about a second, and the tests
    that write in it (handovers) each get a copy of the file."""
    path = tmp_path_factory.mktemp("actions") / "kb.db"
    engine = store.make_engine(f"sqlite:///{path}")
    store.load(dataset, engine)
    version = store.content_version(engine)
    engine.dispose()
    return path, version


@pytest.fixture
def loaded_db(loaded_db_file, kb, tmp_path, monkeypatch):
    """This test's own copy of the loaded database, and an action server that has already
    read it: its snapshot is the session's `kb`, read back from an identical load. Reading
    the base and building its answer ranker again would cost each test about 2 s; reading
    and swapping snapshots is tested in tests/knowledge/test_provider.py."""
    template, version = loaded_db_file
    shutil.copyfile(template, tmp_path / "kb.db")
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    monkeypatch.setenv("BOUSSOLE_DB_URL", url)
    live = provider.current()
    assert live.url == url
    live._current = (version, kb)
    return url


def tracker(text: str, intent: str, entities=(), slots=None, ranking=()) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "intent_ranking": [{"name": name, "confidence": c} for name, c in ranking],
        "entities": [{"entity": e, "value": v, "start": 0, "end": len(v)} for e, v in entities],
    }
    return Tracker("utilisateur-test", dict(slots or {}), latest, [], False, None, {}, "action_listen")


def slots(events) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def run(action, tr):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tr, {})
    return dispatcher.messages, events


async def test_programme_action_answers_and_sets_the_slot(loaded_db, kb):
    messages, events = await run(
        actions.ActionProgrammeDetails(),
        tracker("c'est quoi l'AP ?", "ask_programme", [("programme", "assurance-prospection")]),
    )
    record = kb.get("programme", "assurance-prospection")
    assert record["name"] in messages[0]["text"]
    assert record["sources"][0]["url"] in messages[0]["text"]
    assert slots(events)["programme"] == "assurance-prospection"


async def test_programme_action_unknown_name_offers_buttons(loaded_db):
    messages, events = await run(
        actions.ActionProgrammeDetails(),
        tracker("c'est quoi le dispositif zorglub", "ask_programme", [("programme", "zorglub")]),
    )
    assert "Je ne connais pas ce dispositif" in messages[0]["text"]
    assert messages[0]["buttons"] and "programme" not in slots(events)


async def test_obstacle_action(loaded_db, kb):
    messages, events = await run(
        actions.ActionObstacleAdvice(), tracker("les normes c'est compliqué", "ask_obstacle", [("obstacle", "normes")])
    )
    assert kb.get("obstacle", "normes")["name"] in messages[0]["text"]
    assert kb.get("obstacle", "normes")["sources"][0]["url"] in messages[0]["text"]
    assert slots(events)["obstacle"] == "normes"


async def test_a_private_individual_gets_a_word_then_the_out_of_scope_response(loaded_db):
    text = "je suis particulier, je veux envoyer un colis à ma fille au Canada, c'est possible ?"
    messages, _ = await run(actions.ActionOutOfScope(), tracker(text, "out_of_scope"))
    assert "entreprises" in messages[0]["text"]
    assert messages[-1]["response"] == "utter_out_of_scope"


async def test_cluster_action(loaded_db):
    messages, events = await run(
        actions.ActionClusterInfo(), tracker("parle moi de medicen", "ask_cluster", [("cluster", "Medicen")])
    )
    assert "Medicen" in messages[0]["text"] and "vérifié le" in messages[0]["text"]
    assert slots(events)["cluster"] == "medicen-paris-region"


async def test_overview_action(loaded_db):
    messages, _ = await run(actions.ActionSupportOverview(), tracker("quelles aides ?", "ask_support_overview"))
    assert "Team France Export" in messages[0]["text"]


async def test_unreadable_database_gives_a_polite_message(tmp_path, monkeypatch):
    monkeypatch.setenv("BOUSSOLE_DB_URL", f"sqlite:///{tmp_path / 'vide.db'}")
    messages, events = await run(
        actions.ActionProgrammeDetails(), tracker("c'est quoi l'AP ?", "ask_programme", [("programme", "AP")])
    )
    assert "momentanément indisponible" in messages[0]["text"] and not slots(events)


async def test_region_action_from_a_departement_number(loaded_db, kb):
    messages, events = await run(
        actions.ActionRegionSupport(), tracker("je suis dans le 69", "ask_region_support", [("departement", "69")])
    )
    assert "Rhône (69) fait partie de la Région Auvergne-Rhône-Alpes" in messages[0]["text"]
    assert slots(events)["region"] == "auvergne-rhone-alpes"


async def test_country_action(loaded_db, kb):
    messages, events = await run(
        actions.ActionCountryInfo(), tracker("exporter au Canada", "ask_country", [("country", "Canada")])
    )
    assert "au Canada" in messages[0]["text"] and "CETA" in messages[0]["text"]
    assert slots(events)["country"] == "ca"


async def test_organisation_action(loaded_db, kb):
    messages, events = await run(
        actions.ActionOrganisationInfo(),
        tracker("que fait BF", "ask_organisation", [("organisation", "Business France")]),
    )
    assert kb.get("organisation", "business-france")["summary"] in messages[0]["text"]
    assert slots(events)["organisation"] == "business-france"


async def test_follow_up_uses_the_programme_of_the_previous_turn(loaded_db, kb):
    messages, events = await run(
        actions.ActionProgrammeEligibility(),
        tracker("et c'est pour qui ?", "ask_eligibility", slots={"programme": "assurance-prospection"}),
    )
    record = kb.get("programme", "assurance-prospection")
    assert "bilan de 12 mois" in messages[0]["text"] and record["sources"][0]["url"] in messages[0]["text"]
    assert slots(events)["programme"] == "assurance-prospection"


async def test_amount_of_a_named_programme_wins_over_the_context(loaded_db, kb):
    messages, _ = await run(
        actions.ActionProgrammeAmount(),
        tracker(
            "et le VIE ça coûte combien ?",
            "ask_amount",
            [("programme", "VIE")],
            slots={"programme": "assurance-prospection"},
        ),
    )
    assert kb.get("programme", "vie")["name"] in messages[0]["text"]
    assert "montants" in messages[0]["text"]


async def test_status_of_an_ended_programme_names_its_end_date(loaded_db, kb):
    messages, _ = await run(
        actions.ActionProgrammeStatus(),
        tracker(
            "le chèque relance export existe encore ?", "ask_programme_status", [("programme", "chèque relance export")]
        ),
    )
    assert "terminé depuis le" in messages[0]["text"]


async def test_choosing_the_second_button_answers_it(loaded_db, kb):
    options = ['/ask_programme{"programme":"vie"}', '/ask_obstacle{"obstacle":"normes"}']
    messages, events = await run(
        actions.ActionChooseItem(),
        tracker("le deuxième", "choose_item", [("rank", "deuxième")], slots={"last_options": options}),
    )
    assert kb.get("obstacle", "normes")["name"] in messages[0]["text"]
    assert slots(events)["obstacle"] == "normes"


async def test_choosing_without_a_list_says_so(loaded_db):
    messages, _ = await run(actions.ActionChooseItem(), tracker("le 2", "choose_item", [("rank", "2")]))
    assert "pas de liste en cours" in messages[0]["text"]


async def test_company_statement_is_normalised_and_repeated_back(loaded_db):
    messages, events = await run(
        actions.ActionRememberCompany(),
        tracker(
            "nous sommes 25 dans l'agroalimentaire dans le 69, CA 3 M€",
            "inform_company",
            [("headcount", "25"), ("sector", "agroalimentaire"), ("departement", "69"), ("revenue", "3 M€")],
        ),
    )
    text = messages[0]["text"]
    assert "Effectif : 25 salariés" in text and "Chiffre d'affaires : 3 000 000 €" in text
    assert "Rhône (69), Région Auvergne-Rhône-Alpes" in text
    assert slots(events)["region"] == "auvergne-rhone-alpes"


async def test_a_correction_sets_back_what_rasa_filled_from_the_negated_value(loaded_db):
    """« en fait on ne vend pas en Belgique »: Rasa filled `country` from « Belgique » before the
    action ran; the market the earlier turn stored comes back, and the reply shows it."""
    text = "en fait on ne vend pas encore en Belgique"
    earlier = [
        {"event": "slot", "name": "country", "value": "ma"},
        {"event": "slot", "name": "headcount", "value": "20"},
    ]
    events = [*earlier, {"event": "user", "text": text}, {"event": "slot", "name": "country", "value": "Belgique"}]
    latest = {
        "text": text,
        "intent": {"name": "inform_company", "confidence": 0.9},
        "entities": [{"entity": "country", "value": "Belgique", "start": 0, "end": 8}],
    }
    slots_now = {"country": "Belgique", "headcount": "20"}
    tr = Tracker("utilisateur-test", slots_now, latest, events, False, None, {}, "action_listen")
    messages, events = await run(actions.ActionRememberCompany(), tr)
    assert slots(events)["country"] == "ma"
    assert "Marché visé : Maroc" in messages[0]["text"] and "Non retenu : Belgique" in messages[0]["text"]


async def test_a_corrected_headcount_replaces_the_earlier_one(loaded_db):
    messages, events = await run(
        actions.ActionRememberCompany(),
        tracker("non, nous sommes 50, pas 15", "inform_company", [("headcount", "15")], slots={"headcount": "15"}),
    )
    assert slots(events)["headcount"] == "50"
    assert "Effectif : 50 salariés" in messages[0]["text"] and "Effectif : 15" not in messages[0]["text"]


async def test_french_with_english_words_is_answered_and_english_is_asked_for_french(loaded_db):
    mixed = "comment obtenir un numéro EORI, what about the customs ?"
    messages, _ = await run(actions.ActionOtherLanguage(), tracker(mixed, "other_language"))
    assert messages and all(m.get("response") != "utter_other_language" for m in messages)
    assert "EORI" in messages[0]["text"]
    messages, _ = await run(actions.ActionOtherLanguage(), tracker("How do I get an EORI number?", "other_language"))
    assert [m.get("response") for m in messages] == ["utter_other_language"]


async def test_adviser_request_with_a_known_region_lists_its_contacts(loaded_db, kb):
    messages, _ = await run(
        actions.ActionRequestAdviser(),
        tracker("je veux parler à un conseiller", "request_adviser", slots={"region": "bretagne"}),
    )
    assert "Bretagne" in messages[0]["text"] and "vérifié le" in messages[0]["text"]


async def test_did_you_mean_offers_the_likeliest_intents(loaded_db):
    messages, _ = await run(
        actions.ActionAskAffirmation(),
        tracker(
            "prospection machin",
            "nlu_fallback",
            [("programme", "AP")],
            ranking=[("nlu_fallback", 0.6), ("ask_programme", 0.3), ("greet", 0.05), ("ask_amount", 0.04)],
        ),
    )
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert messages[0]["text"].endswith("Vouliez-vous dire :")
    assert payloads == ['/ask_programme{"programme":"AP"}', '/ask_amount{"programme":"AP"}', "/out_of_scope"]


async def test_last_fallback_step_points_to_an_adviser(loaded_db):
    messages, events = await run(actions.ActionDefaultFallback(), tracker("zzz", "nlu_fallback"))
    assert "conseiller" in messages[0]["text"] and events[-1]["event"] == "rewind"


async def test_a_second_unclear_message_the_ranker_can_answer_is_answered_and_kept(loaded_db, kb):
    question = kb.get("faq", "eori-obtenir")["question"]
    messages, events = await run(actions.ActionDefaultFallback(), tracker(question, "nlu_fallback"))
    assert messages[0]["answer_unit"] == "faq:eori-obtenir"
    assert kb.get("faq", "eori-obtenir")["answer"][:60] in messages[0]["text"]
    assert all(event["event"] != "rewind" for event in events)


async def test_an_unclear_message_the_ranker_can_answer_gets_its_answer_not_did_you_mean(loaded_db, kb):
    question = kb.get("faq", "eori-obtenir")["question"]
    messages, _ = await run(actions.ActionAskAffirmation(), tracker(question, "nlu_fallback"))
    assert messages[0]["answer_unit"] == "faq:eori-obtenir" and "sources" in messages[0]


async def test_a_bare_number_after_a_list_is_a_choice(loaded_db, kb):
    options = ['/ask_programme{"programme":"vie"}', '/ask_programme{"programme":"carnet-ata"}']
    messages, _ = await run(actions.ActionNonsense(), tracker("2", "nonsense", slots={"last_options": options}))
    assert kb.get("programme", "carnet-ata")["name"] in messages[0]["text"]
    messages, _ = await run(actions.ActionNonsense(), tracker("qsdfqsdf", "nonsense", slots={"last_options": options}))
    assert len(messages) == 1 and messages[0]["response"] == "utter_default"


def events_tracker(text, intent, slots_, events, sender="dossier-test"):
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.99}, "intent_ranking": [], "entities": []}
    return Tracker(sender, dict(slots_), latest, events, False, None, {}, "action_listen")


async def test_profile_form_asks_only_the_missing_slots(loaded_db):
    form = actions.ValidateProfileForm()
    tr = tracker(
        "",
        "ask_recommendation",
        slots={
            "headcount": "25",
            "region": "bretagne",
            "revenue": "3000000",
            "sector": "agroalimentaire",
            "company_age": "2010",
        },
    )
    required = await form.required_slots([], CollectingDispatcher(), tr, {})
    assert required == ["export_experience", "country", "need"]


async def test_profile_form_extracts_the_requested_slot_only(loaded_db):
    form = actions.ValidateProfileForm()
    tr = tracker("on est 25", "inform_company", slots={"requested_slot": "headcount"})
    assert await form.extract_headcount(CollectingDispatcher(), tr, {}) == {"headcount": "25"}
    assert await form.extract_revenue(CollectingDispatcher(), tr, {}) == {}


async def test_recommendations_action_sets_the_trace_and_the_choices(loaded_db):
    tr = tracker(
        "",
        "ask_recommendation",
        slots={"headcount": "10", "region": "occitanie", "need": "recrutement", "country": "de", "sector": "numerique"},
    )
    messages, events = await run(actions.ActionRecommendProgrammes(), tr)
    trace = slots(events)["advice_trace"]
    assert len(trace) == 5 and all({"programme", "score", "verdict"} <= set(t) for t in trace)
    assert slots(events)["last_options"] == [f'/ask_programme{{"programme":"{t["programme"]}"}}' for t in trace]
    assert len(messages) == 7


async def test_handover_is_stored_with_consent_and_shown(loaded_db):
    from bot.core.advice import handover

    events = [
        {"event": "slot", "name": "programme", "value": "vie"},
        {"event": "action", "name": "action_request_adviser"},
        {"event": "user", "text": "oui d'accord"},
    ]
    tr = events_tracker(
        "marie@exemple.fr",
        "inform_company",
        {"handover_contact": '{"email": "marie@exemple.fr"}', "region": "bretagne"},
        events,
    )
    messages, result = await run(actions.ActionSubmitHandover(), tr)
    assert "référence BX-" in messages[0]["text"]
    [dossier] = handover.read_all(store.make_engine(loaded_db))
    assert dossier["contact"] == {"email": "marie@exemple.fr"} and dossier["programmes"][0]["id"] == "vie"
    assert "« oui d'accord »" in dossier["consent"]
    assert slots(result)["handover_contact"] is None


async def test_cancelled_handover_stores_nothing(loaded_db):
    from bot.core.advice import conversation, handover

    tr = events_tracker("annuler", "deny", {"handover_contact": conversation.CANCELLED}, [])
    messages, _ = await run(actions.ActionSubmitHandover(), tr)
    assert "aucun dossier" in messages[0]["text"]
    assert handover.count(store.make_engine(loaded_db)) == 0


async def test_handover_with_the_database_down_answers_politely(loaded_db, monkeypatch):
    await provider.get_knowledge_base()
    monkeypatch.setenv("BOUSSOLE_DB_URL", "postgresql://nobody@127.0.0.1:1/none")
    tr = events_tracker("passer", "deny", {"handover_contact": "non-precise"}, [])
    messages, _ = await run(actions.ActionSubmitHandover(), tr)
    assert "pas pu enregistrer votre dossier" in messages[0]["text"]


async def test_a_slot_filled_by_this_message_stays_required_so_that_it_is_kept(loaded_db):
    form = actions.ValidateProfileForm()
    events = [
        {"event": "user", "text": "on vend un peu en Espagne"},
        {"event": "slot", "name": "export_experience", "value": "occasionnelle"},
    ]
    tr = events_tracker(
        "on vend un peu en Espagne",
        "inform_company",
        {"export_experience": "occasionnelle", "requested_slot": "export_experience"},
        events,
    )
    required = await form.required_slots([], CollectingDispatcher(), tr, {})
    assert "export_experience" in required


async def test_a_country_named_as_a_market_already_served_keeps_the_target(loaded_db):
    form = actions.ValidateProfileForm()
    events = [
        {"event": "slot", "name": "country", "value": "mx"},
        {"event": "user", "text": "on vend un peu en Espagne"},
        {"event": "slot", "name": "country", "value": "es"},
    ]
    tr = events_tracker(
        "on vend un peu en Espagne", "inform_company", {"country": "es", "requested_slot": "export_experience"}, events
    )
    assert await form.validate_country("es", CollectingDispatcher(), tr, {}) == {"country": "mx"}


async def test_greeting_with_company_facts_greets_then_notes_them(loaded_db):
    messages, events = await run(
        actions.ActionGreet(),
        tracker(
            "Bonjour, nous sommes 60 en Pays de la Loire",
            "greet",
            [("headcount", "60"), ("region", "Pays de la Loire")],
        ),
    )
    assert messages[0]["response"] == "utter_greet"
    assert "Effectif : 60 salariés" in messages[1]["text"]
    assert slots(events)["region"] == "pays-de-la-loire"


async def test_plain_greeting_only_greets(loaded_db):
    messages, events = await run(actions.ActionGreet(), tracker("bonjour", "greet"))
    assert [m["response"] for m in messages] == ["utter_greet"] and events == []


async def test_a_question_after_a_greeting_or_read_as_a_description_is_answered(loaded_db, kb):
    question = kb.get("faq", "eori-obtenir")["question"]
    messages, _ = await run(actions.ActionGreet(), tracker(f"Bonjour, {question[0].lower()}{question[1:]}", "greet"))
    assert messages[0]["response"] == "utter_greet"
    assert messages[1]["answer_unit"] == "faq:eori-obtenir"
    messages, _ = await run(actions.ActionRememberCompany(), tracker(question, "inform_company"))
    assert messages[0]["answer_unit"] == "faq:eori-obtenir"
    assert not messages[0]["text"].startswith("C'est noté")


async def test_the_adviser_form_says_the_knowledge_base_is_down_rather_than_doubting_the_region(monkeypatch, tmp_path):
    # A database that was never loaded: the knowledge base cannot be read.
    monkeypatch.setenv("BOUSSOLE_DB_URL", f"sqlite:///{tmp_path / 'absente.db'}")
    dispatcher = CollectingDispatcher()
    result = await actions.ValidateAdviserForm().validate_region(
        "Bretagne", dispatcher, tracker("Bretagne", "inform"), {}
    )
    assert result == {"region": None}
    assert "momentanément indisponible" in dispatcher.messages[0]["text"]
    assert "Je ne reconnais pas" not in dispatcher.messages[0]["text"]


async def test_the_adviser_form_still_doubts_an_unknown_region(loaded_db):
    dispatcher = CollectingDispatcher()
    result = await actions.ValidateAdviserForm().validate_region(
        "Atlantide", dispatcher, tracker("Atlantide", "inform"), {}
    )
    assert result == {"region": None}
    assert "Je ne reconnais pas « Atlantide »" in dispatcher.messages[0]["text"]


COMPOUND = (
    "Nous sommes 40 à Angers, on fabrique des machines agricoles. On vend déjà en Belgique. "
    "Comment obtenir un numéro EORI ? Et comment se protéger des impayés ?"
)
COMPOUND_ENTITIES = [("headcount", "40"), ("departement", "Angers"), ("country", "Belgique")]


async def test_a_described_company_with_its_questions_is_answered_as_such_whatever_the_classifier_says(loaded_db):
    """The classifier may take such a message for a greeting or for an unclear one: the profile
    is acknowledged, with its facts as data, and each question answered."""
    for action, intent in [
        (actions.ActionAskAffirmation(), "nlu_fallback"),
        (actions.ActionDefaultFallback(), "nlu_fallback"),
        (actions.ActionGreet(), "greet"),
    ]:
        messages, events = await run(action, tracker(COMPOUND, intent, COMPOUND_ENTITIES))
        said = [m for m in messages if m.get("text")]
        assert said[0]["text"].startswith("C'est noté"), action.name()
        assert said[0]["profile"]["headcount"] == "40" and said[0]["profile"]["served"] == ["be"]
        assert [m["text"].split("»")[0] for m in said[1:3]] == [
            "« Comment obtenir un numéro EORI ? ",
            "« Et comment se protéger des impayés ? ",
        ]
        assert all(event["event"] != "rewind" for event in events)


async def test_the_profile_noted_alone_carries_its_facts_beside_the_text(loaded_db):
    messages, _ = await run(
        actions.ActionRememberCompany(),
        tracker(
            "Nous sommes 60 en Pays de la Loire",
            "inform_company",
            [("headcount", "60"), ("region", "Pays de la Loire")],
        ),
    )
    assert messages[0]["profile"] == {"headcount": "60", "region": "pays-de-la-loire", "served": [], "target": []}


async def test_a_short_follow_up_is_about_the_answer_of_the_previous_turn(loaded_db):
    events = [
        {"event": "user", "text": "c'est quoi le V.I.E ?"},
        {"event": "bot", "text": "V.I.E …", "metadata": {"answer_unit": "programme:vie:presentation"}},
        {"event": "user", "text": "et c'est long ?"},
    ]
    latest = {"text": "et c'est long ?", "intent": {"name": "ask_programme", "confidence": 0.9}, "entities": []}
    tr = Tracker("utilisateur-test", {}, latest, events, False, None, {}, "action_listen")
    messages, _ = await run(actions.ActionProgrammeDetails(), tr)
    assert messages[0]["answer_unit"] == "faq:vie-delai-depart"


async def test_an_unclear_message_that_names_a_country_alone_gets_its_card(loaded_db, kb):
    messages, events = await run(actions.ActionAskAffirmation(), tracker("et pour l'Italie ?", "nlu_fallback"))
    assert messages[0]["text"].startswith("Exporter en Italie")
    assert slots(events).get("country") == "it"


async def test_a_country_s_adjective_or_city_in_an_unclear_question_leaves_it_to_the_ranker(loaded_db, kb):
    for question, unit in (
        ("Comment faire des affaires à la chinoise ?", "faq:culture-affaires-chine"),
        ("Qu'est-ce que le système de Madrid ?", "faq:marque-internationale-madrid"),
    ):
        messages, _ = await run(actions.ActionAskAffirmation(), tracker(question, "nlu_fallback"))
        assert messages[0].get("answer_unit") == unit, question


async def test_a_follow_up_that_changes_the_country_asks_the_previous_question_again(loaded_db):
    question = "Comment prouver l'origine UE de mes produits pour que mon client japonais ne paie pas de droits ?"
    events = [
        {"event": "user", "text": question},
        {"event": "bot", "text": "Par une déclaration…", "metadata": {"answer_unit": "faq:attestation-origine-japon"}},
        {"event": "user", "text": "et au Royaume-Uni ?"},
    ]
    entities = [{"entity": "country", "value": "Royaume-Uni", "start": 6, "end": 17}]
    for action, intent in (
        (actions.ActionCountryInfo(), "ask_country"),
        (actions.ActionAskAffirmation(), "nlu_fallback"),
    ):
        latest = {"text": "et au Royaume-Uni ?", "intent": {"name": intent, "confidence": 0.9}, "entities": entities}
        tr = Tracker("utilisateur-test", {}, latest, events, False, None, {}, "action_listen")
        messages, _ = await run(action, tr)
        assert messages[0]["answer_unit"] == "faq:origine-royaume-uni-accord", intent
        assert "Royaume-Uni" in messages[0]["asked_again"]
