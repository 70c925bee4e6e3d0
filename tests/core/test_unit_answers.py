"""Answers built from the ranker's answer units (bot/core/unit_answers.py), and the routing that
consults the ranker first (intent_table.answer_message, answer_router.answer_unclear), on the
real knowledge base."""

from __future__ import annotations

from bot.core import answer_router, citations, intent_table, replies, unit_answers
from bot.knowledge import answer_units


def _text(messages):
    return "\n".join(m["text"] for m in messages)


def _unit(messages):
    return (messages[0].get("metadata") or {}).get(unit_answers.UNIT_KEY)


def test_a_faq_question_as_written_gets_its_answer_first_with_its_sources_beside_the_text(kb):
    faq = kb.get("faq", "eori-obtenir")
    decision = unit_answers.decide(kb, faq["question"])
    assert decision.kind == "sure" and decision.best[0].unit.id == "faq:eori-obtenir"
    updates, messages = unit_answers.answer_text(kb, faq["question"])
    assert messages[0]["text"].startswith(faq["answer"][:60])
    assert citations.CITATION.search(messages[0]["text"])
    metadata = messages[0]["metadata"]
    assert metadata[unit_answers.UNIT_KEY] == "faq:eori-obtenir"
    [cited] = metadata[unit_answers.SOURCES_KEY]
    assert sorted(cited["urls"]) == sorted(s["url"] for s in faq["sources"])
    assert cited["verified_on"] == faq["verified_on"].isoformat()
    assert cited["line"] in messages[0]["text"]


def test_a_question_about_an_unknown_thing_is_not_answered_by_its_common_words(kb):
    assert unit_answers.decide(kb, "c'est quoi le dispositif zorglub").kind == "none"
    assert unit_answers.decide(kb, "Quel temps fera-t-il à Brest demain ?").kind == "none"


def test_every_unit_has_a_reply_that_names_it_and_cites_a_source(kb):
    for unit in answer_units.build(kb.records):
        updates, messages = unit_answers.unit_reply(kb, unit)
        assert _unit(messages) == unit.id, unit.id
        assert citations.CITATION.search(_text(messages)), unit.id
        # The sources travel as data too, each one the very sentence the text shows.
        cited = messages[0]["metadata"][unit_answers.SOURCES_KEY]
        assert cited and all(c["line"] in messages[0]["text"] for c in cited), unit.id
        expected = {} if unit.kind == "faq" else {unit.kind: unit.record_id}
        assert updates == expected, unit.id


def test_a_piece_of_advice_comes_alone_with_the_whole_card_behind_a_button(kb):
    obstacle = kb.get("obstacle", "risque-change")
    unit = next(u for u in answer_units.build(kb.records) if u.id == "obstacle:risque-change:conseil-2")
    updates, messages = unit_answers.unit_reply(kb, unit)
    assert messages[0]["text"].startswith(obstacle["advice"][1])
    assert obstacle["advice"][0] not in messages[0]["text"]
    assert messages[0]["buttons"][0]["payload"] == replies.payload("ask_obstacle", obstacle="risque-change")
    assert updates == {"obstacle": "risque-change"}


def test_two_close_units_are_offered_as_buttons_that_lead_to_each_answer(kb):
    units = {u.id: u for u in answer_units.build(kb.records)}
    pair = (units["faq:credit-documentaire"], units["programme:assurance-prospection:montants"])
    messages = unit_answers.choice_between(kb, pair)
    assert messages[0]["text"].startswith("Vous parlez de « ")
    first, second = (b["payload"] for b in messages[0]["buttons"])
    # A FAQ entry is asked by its own question, which the ranker then finds first.
    assert first == kb.get("faq", "credit-documentaire")["question"]
    assert _unit(unit_answers.answer_text(kb, first)[1]) == "faq:credit-documentaire"
    assert second == replies.payload("ask_amount", programme="assurance-prospection")
    # Chosen by its rank (« le premier ») from the list the reply left.
    _, messages = intent_table.answer_choice(kb, "premier", "le premier", [first, second], {})
    assert _unit(messages) == "faq:credit-documentaire"


def test_a_precise_question_the_intent_cannot_place_gets_the_honest_reply_not_a_menu(kb):
    text = "Quels sont les droits de douane sur les moules congelées vendues en Patagonie ?"
    _, messages = intent_table.answer_message(kb, "ask_country", {}, {}, text)
    assert messages[0]["text"].startswith(replies.NOT_IN_KNOWLEDGE)
    assert messages[0]["metadata"][unit_answers.ABSTAINED_KEY] is True
    assert replies.payload("request_adviser") in [b["payload"] for b in messages[0]["buttons"]]
    # A vague one still gets the menu.
    _, menu = intent_table.answer_message(kb, "ask_country", {}, {}, "un pays ?")
    assert menu == replies.which_country(kb)


def test_the_intent_keeps_its_answer_when_the_message_names_the_programme(kb):
    text = "Combien coûte l'Assurance Prospection ?"
    updates, messages = intent_table.answer_message(kb, "ask_amount", {"programme": "assurance-prospection"}, {}, text)
    assert updates == {"programme": "assurance-prospection"}
    assert _text(messages) == _text(replies.programme_amounts(kb, "assurance-prospection", text))
    assert _unit(messages) == "programme:assurance-prospection:montants"


def test_a_follow_up_without_words_of_its_own_stays_on_the_programme_discussed(kb):
    context = {"programme": "vie"}
    updates, messages = intent_table.answer_message(kb, "ask_amount", {}, context, "ça coûte combien ?")
    assert updates == {"programme": "vie"} and _unit(messages) == "programme:vie:montants"


def test_a_button_payload_is_answered_by_its_intent_not_searched(kb):
    payload = replies.payload("ask_programme", programme="vie")
    updates, messages = intent_table.answer_message(kb, "ask_programme", {"programme": "vie"}, {}, payload)
    assert updates == {"programme": "vie"} and _unit(messages) == "programme:vie:presentation"


def test_an_unclear_message_gets_the_ranker_answer_the_honest_reply_or_did_you_mean(kb):
    faq = kb.get("faq", "eori-obtenir")
    ranking = [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "ask_obstacle", "confidence": 0.3}]
    _, messages = answer_router.answer_unclear(kb, faq["question"], ranking, {})
    assert _unit(messages) == "faq:eori-obtenir"
    _, messages = answer_router.answer_unclear(kb, "le zorglub des moules en Patagonie orientale ?", ranking, {})
    assert messages[0]["text"].startswith(replies.NOT_IN_KNOWLEDGE)
    _, messages = answer_router.answer_unclear(kb, "bof", ranking, {})
    assert messages[0]["text"].startswith("Je ne suis pas sûr d'avoir compris")


def test_an_out_of_scope_question_gets_only_an_answer_the_ranker_is_sure_of(kb):
    _, messages = answer_router.answer_out_of_scope(kb, "Quel temps fera-t-il à Brest demain ?")
    assert messages == []


def test_the_ranker_is_built_once_per_knowledge_base(kb):
    assert unit_answers.ranker_for(kb) is unit_answers.ranker_for(kb)


def test_a_likely_unit_is_answered_with_the_runner_up_one_tap_away(kb):
    question = "EORI ou SIRET"
    decision = unit_answers.decide(kb, question)
    assert decision.kind == "likely"
    best, runner_up = (ranked.unit for ranked in decision.best)
    _, messages = unit_answers.answer_text(kb, question)
    assert _unit(messages) == best.id
    assert messages[-1]["text"].startswith("Si votre question portait plutôt sur « ")
    assert messages[-1]["buttons"] == [
        {"title": unit_answers.unit_label(kb, runner_up), "payload": unit_answers.unit_payload(runner_up)}
    ]
    # Named by the extractor, the programme keeps its own card: only a sure unit overrules it.
    updates, messages = intent_table.answer_message(kb, "ask_programme", {"programme": "EORI"}, {}, question)
    assert updates == {"programme": "eori"}
    assert _unit(messages) == "programme:eori:presentation"


def test_a_named_difficulty_whose_card_does_not_hold_the_point_asked_gets_the_honest_reply(kb):
    text = "Mon colis est bloqué en douane depuis dix jours, qui appeler à l'aéroport ?"
    _, messages = answer_router.answer_obstacle(kb, "douane", text)
    assert messages[0]["text"].startswith(replies.NOT_IN_KNOWLEDGE)
    assert messages[0]["buttons"][0]["payload"] == replies.payload("ask_obstacle", obstacle="douane-origine")
    # Asked in general terms, the same difficulty gets its card.
    obstacle_id, messages = answer_router.answer_obstacle(kb, "douane", "la douane c'est compliqué")
    assert obstacle_id == "douane-origine" and messages == replies.obstacle_advice(kb, "douane-origine")


def test_a_named_country_whose_card_does_not_hold_the_point_asked_gets_the_honest_reply(kb):
    _, messages = answer_router.answer_country(kb, "Chine", "Comment importer une voiture de collection de Chine ?")
    assert messages[0]["text"].startswith(replies.NOT_IN_KNOWLEDGE)
    assert messages[0]["buttons"][0]["payload"] == replies.payload("ask_country", country="cn")
    # A country is a proper noun: the button keeps its capital.
    assert messages[0]["buttons"][0]["title"] == "En savoir plus : Chine"
    country_id, _ = answer_router.answer_country(kb, "Chine", "exporter en Chine")
    assert country_id == "cn"


def test_one_word_its_card_does_not_hold_keeps_a_named_record_from_answering_with_its_card(kb):
    # The ranker has nothing reliable on these points: the card of the record named is one tap
    # away, not the reply.
    for intent, text, card, card_unit in (
        ("ask_country", "Quel est le PIB du Vietnam ?", ("country", "vn"), "country:vn"),
        (
            "ask_programme",
            "Le carnet ATA couvre-t-il les chevaux de course ?",
            ("programme", "carnet-ata"),
            "programme:carnet-ata:presentation",
        ),
        (
            "ask_organisation",
            "Quels sont les horaires d'ouverture de Business France ?",
            ("organisation", "business-france"),
            "organisation:business-france",
        ),
    ):
        assert unit_answers.decide(kb, text).kind == "none", text
        updates, messages = intent_table.answer_message(kb, intent, {}, {}, text)
        assert updates == {} and messages[0]["text"].startswith(replies.NOT_IN_KNOWLEDGE), text
        assert messages[0]["buttons"][0]["payload"] == replies.card_button(kb, *card)["payload"]
        assert messages[0]["metadata"][unit_answers.OFFERED_KEY][0] == card_unit
    # A preposition is no point asked: the card answers.
    updates, messages = intent_table.answer_message(
        kb, "ask_country", {}, {}, "Quels sont les tarifs pour exporter vers le Maroc ?"
    )
    assert updates == {"country": "ma"} and _unit(messages) == "country:ma"


def test_a_region_card_answers_whom_to_contact_there_whatever_the_subject(kb):
    text = "Qui peut nous aider en Bretagne pour un salon de cosmétiques bio ?"
    # « salon », « cosmétiques », « bio »: none is a word of the Région's card, and the ranker has
    # nothing reliable; the card still answers whom to contact.
    assert unit_answers.beside_the_record(kb, "region", "bretagne", text)
    assert unit_answers.decide(kb, text).kind == "none"
    updates, messages = intent_table.answer_message(kb, "ask_contact", {}, {}, text)
    assert updates == {"region": "bretagne"} and _unit(messages) == "region:bretagne:contacts"


def test_menu_words_and_fillers_do_not_make_a_question_precise(kb):
    assert not unit_answers.is_precise(kb, "quelles aides dans ma région ?")
    assert not unit_answers.is_precise(kb, "prospection machin")
    assert unit_answers.is_precise(kb, "Pas de TVA pour les touristes ?")


def test_a_button_without_the_values_it_needs_gets_its_menu_not_the_honest_reply(kb):
    # « Quel pôle pour mon secteur ? » clicked before any sector was given.
    _, messages = intent_table.answer_message(kb, "ask_cluster", {}, {}, "/ask_cluster")
    assert not messages[0]["text"].startswith(replies.NOT_IN_KNOWLEDGE)
    _, messages = intent_table.answer_message(kb, "ask_cluster", {}, {"sector": "agroalimentaire"}, "/ask_cluster")
    assert "Valorial" in messages[0]["text"]


def test_a_pole_asked_for_a_sector_gets_the_poles_of_that_sector(kb):
    text = "Quel pôle de compétitivité pour les produits de la mer ?"
    _, messages = intent_table.answer_message(kb, "ask_cluster", {}, {}, text)
    assert "Aquimer" in _text(messages) or "Pôle Mer Bretagne Atlantique" in _text(messages)


def test_random_characters_are_no_question_even_with_a_known_acronym_inside(kb):
    assert unit_answers.decide(kb, "︌丞·g︎ÐֱÇ۫Ͷ´:亟⁚佴︍云¸ڣMه︊(Yٞ仭İŝ🎇‗5").kind == "none"
    assert unit_answers.decide(kb, "\x14?Ƹ︇Žֶ仏צ侽么仦ϥڙğ¢伔︅⁏Ģ⁀︉👏ڃ×‹伢Ϟ👜aP👶🌫G‾ϋ΄︋͵ןλ🗧").kind == "none"
    assert unit_answers.decide(kb, "\x94\x94b\x86\x9c\x96\x1e\x16\x99\x83c\x05\x81").kind == "none"
    assert unit_answers.decide(kb, "Comment fonctionne un crédit documentaire ?").kind == "sure"


def test_a_point_of_a_named_difficulty_gets_the_entry_written_for_it_not_the_summary(kb):
    """A difficulty is a broad subject: « obtenir » beside « marquage CE » asks a point of it."""
    for text, obstacle_id, unit in [
        ("Comment faire pour obtenir le marquage CE ?", "normes", "faq:marquage-ce-procedure"),
        ("Comment justifier l'exonération de TVA quand on exporte ?", "tva", "faq:tva-justificatifs-export"),
        ("Est-ce que nos capteurs sont des biens à double usage ?", "sanctions-double-usage", "faq:biens-double-usage"),
    ]:
        _, messages = intent_table.answer_message(kb, "ask_obstacle", {"obstacle": obstacle_id}, {}, text)
        assert _unit(messages) == unit, text
    # The difficulty named alone, with no entry the ranker is sure of, keeps its summary.
    _, messages = intent_table.answer_message(kb, "ask_obstacle", {"obstacle": "tva"}, {}, "la TVA à l'export")
    assert _unit(messages) == "obstacle:tva"


def _offered(message):
    return (message.get("metadata") or {}).get(unit_answers.OFFERED_KEY, [])


ADVISER = {"title": "Parler à un conseiller", "payload": replies.payload("request_adviser")}


def test_the_honest_reply_offers_the_two_nearest_entries_one_tap_away(kb):
    # Two FAQ entries named by their subjects, in a question about goods and a place that
    # knowledge/ does not hold: nothing reliable, both entries near.
    text = "Pour des moules congelées en Patagonie, crédit documentaire ou garantie bancaire ?"
    assert unit_answers.decide(kb, text).kind == "none"
    _, [message] = answer_router.answer_by_ranker(kb, text)
    assert message["text"].startswith(replies.NOT_IN_KNOWLEDGE)
    assert message["text"].endswith(" Voici ce qui s'en rapproche le plus dans ma base :")
    assert message["metadata"][unit_answers.ABSTAINED_KEY] is True
    offered = _offered(message)
    assert sorted(offered) == ["faq:credit-documentaire", "faq:stand-by-garanties"]
    *entries, adviser = message["buttons"]
    assert adviser == ADVISER
    assert [b["title"] for b in entries] == [kb.get("faq", u.split(":")[1])["question"] for u in offered]
    # Each button leads to the entry it names.
    for button, unit in zip(entries, offered):
        assert _unit(unit_answers.answer_text(kb, button["payload"])[1]) == unit


def test_the_honest_reply_offers_nothing_when_nothing_matches_or_only_noise(kb):
    plain = unit_answers.no_reliable_answer(kb, "le zorglub des moules en Patagonie orientale ?")
    # Ranked candidates meeting the question on one word (« demain ») are noise.
    text = "Quel temps fera-t-il à Brest demain ?"
    assert unit_answers.ranker_for(kb).rank(text, 1)
    assert unit_answers.nearest(kb, text) == []
    for [message] in (plain, unit_answers.no_reliable_answer(kb, text)):
        assert message["text"].startswith(replies.NOT_IN_KNOWLEDGE)
        assert message["text"].endswith("vous pouvez aussi la formuler autrement.")
        assert message["buttons"] == [ADVISER]
        assert message["metadata"] == {unit_answers.ABSTAINED_KEY: True}
    # A payload is no question: nothing offered either.
    assert unit_answers.nearest(kb, replies.payload("ask_programme", programme="vie")) == []


def test_the_card_of_the_named_difficulty_is_one_of_the_two_entries_and_not_offered_twice(kb):
    text = "Pour les salons et foires internationaux, faut-il un transitaire et un entrepôt sous douane ?"
    # The difficulty's own summary is among the nearest units: its card already offers it.
    assert "obstacle:salons" in [u.id for u in unit_answers.nearest(kb, text)]
    _, [message] = answer_router.answer_obstacle(kb, "salons", text)
    assert message["text"].startswith(replies.NOT_IN_KNOWLEDGE)
    assert "Voici le sujet général, puis ce qui s'en rapproche le plus" in message["text"]
    card, entry, adviser = message["buttons"]
    assert card["payload"] == replies.payload("ask_obstacle", obstacle="salons")
    assert entry["payload"] != card["payload"] and adviser == ADVISER
    offered = _offered(message)
    assert len(offered) == 2 and offered[0] == "obstacle:salons" and offered[1].startswith("faq:")


def test_an_answer_that_holds_on_one_side_of_the_eu_border_is_not_given_for_the_other(kb):
    def best(question):
        decision = unit_answers.decide(kb, question)
        return decision.best[0].unit.id if decision.best else None

    intra = "faq:double-usage-transfert-intra-ue"
    assert kb.get("faq", "double-usage-transfert-intra-ue")["destination"] == "ue"
    assert best("Faut-il une licence pour envoyer un bien à double usage à un client en Allemagne ?") == intra
    # Turkey is outside the Union: the intra-EU « en général non » must not answer.
    turkey = "Faut-il une licence pour envoyer un bien à double usage à un client en Turquie ?"
    assert best(turkey) not in (None, intra)
    assert intra not in {u.id for u in unit_answers.nearest(kb, turkey, 5)}
    # No country: every entry stays a candidate; countries on both sides: both sides' entries.
    assert unit_answers.holds_for_the_countries_named(kb, "Faut-il une licence pour un bien à double usage ?") is None
    both = unit_answers.holds_for_the_countries_named(kb, "Un client en Allemagne et un autre en Turquie")
    units = {u.id: u for u in unit_answers.ranker_for(kb).units}
    assert both(units[intra]) and both(units["faq:tva-export-hors-ue"])


def test_an_answer_on_one_country_s_rules_is_not_given_for_another(kb):
    units = {u.id: u for u in unit_answers.ranker_for(kb).units}
    ukca = units["faq:ukca-royaume-uni"]
    assert ukca.countries == ("gb",)
    toys = "On fabrique des jouets en bois, on vise les États-Unis : le marquage CE suffit ?"
    assert not unit_answers.holds_for_the_countries_named(kb, toys)(ukca)
    decision = unit_answers.decide(kb, toys)
    assert "faq:ukca-royaume-uni" not in [r.unit.id for r in decision.best]
    # Named, or no country at all: the entry stays.
    assert unit_answers.holds_for_the_countries_named(kb, "UKCA ou CE pour vendre au Royaume-Uni ?")(ukca)
    assert unit_answers.decide(kb, "Faut-il le marquage UKCA ou le marquage CE ?").best[0].unit.id == ukca.id


def test_a_card_still_answers_how_its_subject_is_asked_about(kb):
    # How to sell in a country is what its card is for.
    assert not unit_answers.beside_the_record(kb, "country", "cn", "Quelles formalités pour exporter en Chine ?")
    assert unit_answers.beside_the_record(kb, "country", "vn", "Quel est le PIB du Vietnam ?")
    # What a programme is and what an organisation does, however it is asked.
    for kind, rid, text in (
        (
            "programme",
            "assurance-prospection",
            "Pourriez-vous m'expliquer le fonctionnement de l'Assurance Prospection ?",
        ),
        ("programme", "vie", "c koi le vie"),
        ("organisation", "team-france-export", "la TFE ça sert à quoi"),
    ):
        assert not unit_answers.beside_the_record(kb, kind, rid, text), text


def test_the_poles_of_a_sector_start_with_those_of_the_place_the_message_names(kb):
    text = "Quel pôle de compétitivité pour une biotech santé à Lyon ?"
    _, messages = intent_table.answer_message(kb, "ask_cluster", {"sector": "santé"}, {"region": "bretagne"}, text)
    first = messages[0]["text"].split("\n")[1]
    assert first.startswith("• Lyonbiopôle"), first
