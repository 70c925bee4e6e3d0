"""One reply to a message that describes the company and asks several questions
(bot/core/compound_answers.py), on the real knowledge base. The entities are those the
extractor gives for such messages."""

from __future__ import annotations

import datetime as dt

from bot.core import compound_answers, intent_table, message_parts, replies, unit_answers
from bot.core.advice import company as advice_company

ANGERS = (
    "Nous sommes 40 à Angers, on fait des machines agricoles. On vend déjà en Belgique. "
    "On vise le Maroc : il faut un marquage particulier ? et qui peut nous aider en Pays de la Loire ?"
)


def _texts(messages):
    return [m["text"] for m in messages]


def test_the_profile_in_one_line_then_each_question_answered_in_order(kb):
    entities = {"headcount": "40", "country": "Belgique", "region": "pays-de-la-loire"}
    updates, messages = compound_answers.answer(kb, ANGERS, entities, {})
    assert updates["headcount"] == "40" and updates["region"] == "pays-de-la-loire" and updates["departement"] == "49"
    assert updates["country"] == "ma"  # the market wanted, not the one served
    line = messages[0]["text"]
    assert line.startswith("C'est noté : ") and "\n" not in line
    assert "40 salariés" in line and "Maroc" in line and "déjà présents : Belgique" in line
    texts = _texts(messages)
    first = next(i for i, t in enumerate(texts) if t.startswith("« On vise le Maroc"))
    second = next(i for i, t in enumerate(texts) if t.startswith("« et qui peut nous aider"))
    assert 0 < first < second
    assert messages[second]["metadata"][unit_answers.UNIT_KEY] == "region:pays-de-la-loire:contacts"


def test_a_trade_fair_three_years_ago_is_not_the_company_age(kb):
    text = (
        "Nous sommes 30 salariés, on a fait un salon à Milan il y a trois ans. "
        "On vend déjà au Portugal, on aimerait essayer le Mexique. Quelles aides ?"
    )
    described, markets = compound_answers.read_profile(
        kb, text, {"headcount": "30", "company_age": "trois ans", "country": "Portugal"}
    )
    assert described == {"headcount": "30", "country": "mx"}
    assert markets.served == ("pt",)


def test_a_general_question_after_a_description_gets_the_programmes_for_the_company(kb):
    text = "Nous sommes 12 à Lyon, on fabrique des vélos, on vise le Québec. Quelles aides ?"
    updates, messages = compound_answers.answer(kb, text, {"headcount": "12"}, {})
    assert updates["region"] == "auvergne-rhone-alpes" and updates["country"] == "ca"
    company = advice_company.from_values(kb, updates)
    expected = compound_answers.for_the_company(kb, company)
    assert messages[1:] == expected
    assert any(t.startswith("1. ") for t in _texts(expected))
    assert replies.region_support(kb, "auvergne-rhone-alpes", "69")[0]["text"] in _texts(expected)


def test_a_later_general_question_is_answered_for_the_company_described_before(kb):
    context = {"region": "auvergne-rhone-alpes", "departement": "69", "headcount": "12", "country": "ca"}
    _, messages = intent_table.answer_message(kb, "ask_financing_overview", {}, context, "Quelles aides ?")
    assert messages == compound_answers.for_the_company(kb, advice_company.from_values(kb, context))
    _, national = intent_table.answer_message(kb, "ask_financing_overview", {}, {}, "Quelles aides ?")
    assert national == replies.financing_overview(kb)


def test_a_single_question_or_a_description_alone_is_left_to_the_usual_answer(kb):
    assert compound_answers.answer(kb, "Comment obtenir un numéro EORI ?", {}, {}) is None
    assert compound_answers.answer(kb, "Nous sommes 40 à Angers.", {"headcount": "40"}, {}) is None


def test_beyond_three_questions_the_user_is_asked_to_send_the_rest_separately(kb):
    text = "Comment obtenir un EORI ? Et le carnet ATA ? Et le crédit documentaire ? Et l'assurance prospection ?"
    _, messages = compound_answers.answer(kb, text, {}, {})
    assert sum(t.startswith("« ") for t in _texts(messages)) == 3
    assert messages[-1]["text"].startswith("J'ai répondu à vos 3 premières questions")


def test_vague_questions_together_are_left_to_the_intent(kb):
    assert compound_answers.answer(kb, "Par où commencer pour exporter ? Qui peut m'accompagner ?", {}, {}) is None


def test_a_sector_and_a_headcount_the_extractor_missed_are_read_from_the_description(kb):
    text = "Nous sommes 35 salariés et nous transformons des produits de la mer. Comment trouver un importateur ?"
    described, _ = compound_answers.read_profile(kb, text, {})
    assert described["headcount"] == "35"
    assert described["sector"] == advice_company.parse_sector(kb, "produits de la mer")


def test_a_question_without_a_country_is_answered_for_the_market_the_company_aims_at(kb):
    text = "Nous sommes 20 salariés et nous visons le Japon. Comment déclarer l'origine de nos produits ?"
    _, messages = compound_answers.answer(kb, text, {"headcount": "20", "country": "Japon"}, {})
    units = [(m.get("metadata") or {}).get(unit_answers.UNIT_KEY) for m in messages]
    assert "faq:attestation-origine-japon" in units


def test_a_value_set_aside_is_cleared_from_the_slot_rasa_filled_from_its_entity(kb):
    text = (
        "Nous sommes 30 salariés, on a fait un salon à Milan il y a trois ans. On vend déjà au Portugal, "
        "on aimerait essayer le Mexique. Comment trouver un distributeur ? Et le crédit documentaire ?"
    )
    entities = {"headcount": "30", "company_age": "trois ans"}
    # Rasa filled the slots from the entities before the action ran; the sector is from before.
    context = {"headcount": "30", "company_age": "trois ans", "sector": "agroalimentaire"}
    updates, messages = compound_answers.answer(kb, text, entities, context)
    assert updates["company_age"] is None and "ancienneté" not in messages[0]["text"]
    assert updates["sector"] == "agroalimentaire" and updates["country"] == "mx"
    values, cleared = compound_answers.merged_profile(context, entities, {"headcount": "30"})
    assert cleared == ["company_age"] and values == {"headcount": "30", "sector": "agroalimentaire"}


def test_a_question_the_ranker_cannot_place_gets_the_card_of_the_difficulty_it_names(kb):
    text = "Nous sommes 30 salariés. Comment trouver un distributeur ? Et comment se protéger des impayés ?"
    _, messages = compound_answers.answer(kb, text, {"headcount": "30"}, {})
    last = next(m for m in messages if m["text"].startswith("« Et comment se protéger des impayés ? »"))
    assert last["metadata"][unit_answers.UNIT_KEY] == "obstacle:risque-paiement"
    assert kb.get("obstacle", "risque-paiement")["summary"] in last["text"]


def test_a_case_told_in_the_third_person_is_a_question_not_a_description_of_the_company(kb):
    text = (
        "Une société italienne vend des pièces à une entreprise française et les livre en Allemagne. "
        "Qui déclare la TVA ?"
    )
    assert compound_answers.answer(kb, text, {"country": "Allemagne"}, {}) is None


def test_the_trade_is_read_where_the_writer_speaks_of_the_company_not_in_a_legal_status(kb):
    text = (
        "Je suis auto-entrepreneur depuis un mois. Je travaille comme graphiste pour une agence. "
        "Passer par trois comptes puis la banque, c'est compliqué. Comment facturer en dollars ? "
        "Et faut-il déclarer la TVA ?"
    )
    described, _ = compound_answers.read_profile(kb, text, {})
    assert "sector" not in described
    text = "Nous sommes 12 à Angers, on fabrique des machines agricoles. Quelles aides ?"
    described, _ = compound_answers.read_profile(kb, text, {})
    assert described["sector"] == advice_company.parse_sector(kb, "machines agricoles") is not None


def test_the_profile_line_carries_every_market_wanted_and_a_place_read_from_the_sentences(kb):
    text = (
        "Bonjour, notre maison fabrique des bérets à Oloron-Sainte-Marie (Pyrénées-Atlantiques). "
        "Nous visons la Suisse et le Japon. Comment trouver un distributeur ? Faut-il un numéro EORI ?"
    )
    # The extractor took the town for a département: the sentences give the real one.
    _, messages = compound_answers.answer(kb, text, {"departement": "Oloron-Sainte-Marie", "country": "Suisse"}, {})
    profile = messages[0]["metadata"][compound_answers.PROFILE_KEY]
    assert profile["target"] == ["ch", "jp"] and profile["country"] == "ch"
    assert profile["region"] == "nouvelle-aquitaine"
    assert profile["sector"] == advice_company.parse_sector(kb, "textile")


def test_a_trade_named_in_the_description_beats_the_extractor_s_guess(kb):
    text = "Nous construisons des machines agricoles en Vendée. Quelles aides ? Comment exporter en Ukraine ?"
    described, _ = compound_answers.read_profile(kb, text, {"sector": "aeronautique"})
    assert described["sector"] == advice_company.parse_sector(kb, "agriculture")


def test_a_length_or_a_weight_is_no_departement(kb):
    assert kb.departements_in_text("notre cargo de 52 mètres porte 350 tonnes") == []
    assert kb.departements_in_text("nous sommes dans le 52") == ["52"]


def test_every_market_wanted_is_in_the_profile_line(kb):
    text = "Nous sommes 17 à Ajaccio, nous visons l'Espagne et l'Allemagne. Faut-il un numéro EORI ?"
    _, messages = compound_answers.answer(kb, text, {}, {})
    line = messages[0]["text"]
    assert line.startswith("C'est noté")
    assert "marchés visés : " in line and "Espagne" in line and "Allemagne" in line


def test_a_line_break_ends_a_sentence_and_an_answer_is_given_once(kb):
    text = (
        "Nous sommes 12 à Lyon, nous fabriquons des vélos\n"
        "Comment obtenir un numéro EORI ?\n"
        "Où demander mon numéro EORI ?"
    )
    _, messages = compound_answers.answer(kb, text, {}, {})
    texts = [m["text"] for m in messages]
    # The statement before the line break is not glued to the first question.
    assert any(t.startswith("« Comment obtenir un numéro EORI ? »") for t in texts)
    units = [(m.get("metadata") or {}).get(unit_answers.UNIT_KEY) for m in messages]
    answered = [u for u in units if u]
    assert len(answered) == 2 and answered[0] == answered[1]
    again = next(t for t in texts if t.startswith("« Où demander mon numéro EORI ? »"))
    assert "La réponse est celle donnée ci-dessus pour « Comment obtenir un numéro EORI ? »" in again


def test_a_question_of_a_compound_message_without_a_reliable_answer_offers_one_nearest_entry(kb):
    question = "Pour des moules congelées en Patagonie, crédit documentaire ou garantie bancaire ?"
    text = f"Nous sommes 40 à Angers, on fait des machines agricoles. {question} Comment obtenir un numéro EORI ?"
    _, messages = compound_answers.answer(kb, text, {"headcount": "40"}, {})
    [honest] = [m for m in messages if (m.get("metadata") or {}).get(unit_answers.ABSTAINED_KEY)]
    assert honest["text"].startswith(f"« {question} »\n{replies.NOT_IN_KNOWLEDGE}")
    [offered] = honest["metadata"][unit_answers.OFFERED_KEY]
    # Alone, the question gets two entries; inside a compound message, one of them.
    assert offered in ("faq:credit-documentaire", "faq:stand-by-garanties")
    entry, adviser = honest["buttons"]
    assert entry["title"] == kb.get("faq", offered.split(":")[1])["question"]
    assert adviser["payload"] == replies.payload("request_adviser")
    assert messages[-1]["metadata"][unit_answers.UNIT_KEY] == "faq:eori-obtenir"


def test_a_customer_s_nationality_from_the_extractor_is_no_market_wanted(kb):
    text = "Nous sommes 20 salariés à Lyon. Un client ukrainien nous a contactés. Comment sécuriser le paiement ?"
    entities = {"headcount": "20", "country": "ukrainien"}
    described, markets = compound_answers.read_profile(kb, text, entities)
    assert "country" not in described and markets == message_parts.Markets((), ())
    # Rasa filled the slot from the entity before the action ran: it is cleared.
    updates, messages = compound_answers.answer(kb, text, entities, {"headcount": "20", "country": "ukrainien"})
    assert updates["country"] is None and "Ukraine" not in messages[0]["text"]
    assert messages[0]["metadata"][compound_answers.PROFILE_KEY]["target"] == []


def test_the_extractor_s_country_stays_where_the_sentences_make_it_a_market(kb):
    text = "Nous sommes 20 salariés à Lyon, nous visons l'Ukraine. Comment sécuriser le paiement ?"
    described, _ = compound_answers.read_profile(kb, text, {"country": "Ukraine"})
    assert described["country"] == "ua"
    text = "Nous avons décroché un client ukrainien. Comment sécuriser le paiement ?"
    described, markets = compound_answers.read_profile(kb, text, {"country": "ukrainien"})
    assert "country" not in described and markets.served == ("ua",)
    # A zone is read by the same rule: wanted where a clause says so, nothing otherwise.
    wanted = "Nous sommes 20 à Lyon, nous voulons vendre en Asie. Quelles aides ?"
    assert compound_answers.read_profile(kb, wanted, {"country": "Asie"})[0]["country"] == "Asie"
    office = "Nous sommes 20 à Lyon, nous avons un bureau en Asie. Quelles aides ?"
    assert "country" not in compound_answers.read_profile(kb, office, {"country": "Asie"})[0]


def test_a_date_of_premises_or_of_a_market_is_not_the_company_s_age(kb):
    text = "Nous éditons des logiciels, avec un bureau dans la Silicon Valley depuis 2008. Quelles aides ?"
    described, _ = compound_answers.read_profile(kb, text, {"company_age": "2008"})
    assert "company_age" not in described
    text = "Nous exportons au Japon depuis 2010. Quelles aides ?"
    described, markets = compound_answers.read_profile(kb, text, {"company_age": "2010", "country": "Japon"})
    assert "company_age" not in described and "country" not in described and markets.served == ("jp",)
    text = "Nous sommes une entreprise familiale fondée en 1987. Quelles aides ?"
    assert compound_answers.read_profile(kb, text, {"company_age": "1987"})[0]["company_age"] == "1987"


def test_the_month_of_creation_makes_the_age_exact_and_a_year_alone_stays_vague(kb):
    today = dt.date(2026, 12, 7)
    text = "Nous sommes 12 à Lyon, créés en mars 2024. Quelles aides ?"
    described, _ = compound_answers.read_profile(kb, text, {"company_age": "2024", "headcount": "12"})
    assert described["company_age"] == "mars 2024"
    _, messages = compound_answers.answer(kb, text, {"company_age": "2024", "headcount": "12"}, {}, today)
    assert "ancienneté : 2 ans et 9 mois" in messages[0]["text"]
    text = "Nous sommes 12 à Lyon, créés en 2024. Quelles aides ?"
    updates, messages = compound_answers.answer(kb, text, {"company_age": "2024", "headcount": "12"}, {}, today)
    assert "ancienneté : environ 2 ans (créée en 2024)" in messages[0]["text"]
    assert "mois" not in messages[0]["text"].split("ancienneté : ", 1)[1].split(";")[0]
    assert updates["company_age"] == "2024"


def test_a_question_without_a_reliable_answer_keeps_the_country_it_names_one_tap_away(kb):
    question = "On vise le Maroc : il faut un marquage particulier ?"
    text = f"Nous sommes 40 à Angers, on fait des machines agricoles. {question}"
    _, messages = compound_answers.answer(kb, text, {"headcount": "40"}, {})
    [honest] = [m for m in messages if (m.get("metadata") or {}).get(unit_answers.ABSTAINED_KEY)]
    card, adviser = honest["buttons"]
    assert card["payload"] == replies.payload("ask_country", country="ma")
    assert card["title"] == "En savoir plus : Maroc"
    assert honest["metadata"][unit_answers.OFFERED_KEY] == ["country:ma"]
    assert adviser["payload"] == replies.payload("request_adviser")


def test_the_named_country_s_card_comes_beside_the_nearest_entry_not_instead_of_it(kb):
    question = "On voudrait vendre en Chine, est-ce qu'il faut faire des tests sur les animaux ?"
    text = f"Bonjour, je dirige une PME de cosmétiques à Grasse. {question}"
    _, messages = compound_answers.answer(kb, text, {}, {})
    [honest] = [m for m in messages if (m.get("metadata") or {}).get(unit_answers.ABSTAINED_KEY)]
    card, entry, adviser = honest["buttons"]
    assert card["payload"] == replies.payload("ask_country", country="cn")
    offered = honest["metadata"][unit_answers.OFFERED_KEY]
    assert offered[0] == "country:cn" and len(offered) == 2 and offered[1].startswith("faq:")
    assert adviser["payload"] == replies.payload("request_adviser")


def test_a_question_alone_that_the_classifier_took_for_a_description_is_answered(kb):
    faq = kb.get("faq", "eori-obtenir")
    _, messages = compound_answers.question_alone(kb, faq["question"], {})
    assert messages[0]["metadata"][unit_answers.UNIT_KEY] == "faq:eori-obtenir"
    # Precise, but nothing reliable in knowledge/: the honest reply, not « C'est noté ».
    _, messages = compound_answers.question_alone(kb, "Quel est le PIB du Vietnam ?", {})
    assert messages[0]["text"].startswith(replies.NOT_IN_KNOWLEDGE)
    # A description, no question, or a vague one: the caller notes the company or only greets.
    assert compound_answers.question_alone(kb, "Nous sommes 12 à Lyon, on vise le Québec.", {}) is None
    described = {"headcount": "12", "departement": "Lyon"}  # as the extractor reads them
    assert compound_answers.question_alone(kb, "Nous sommes 12 à Lyon, faut-il un numéro EORI ?", described) is None
    assert compound_answers.question_alone(kb, "Bonjour, comment allez-vous ?", {}) is None


def test_a_country_named_with_nothing_about_the_company_gets_the_country_s_card(kb):
    for text in ("exporter en Allemagne", "et pour l'Allemagne ?"):
        updates, messages = compound_answers.country_alone(kb, text, {"country": "Allemagne"})
        assert updates == {"country": "de"}, text
        assert "Allemagne" in messages[0]["text"], text
    # Something said about the company: its description is noted instead.
    assert compound_answers.country_alone(kb, "Nous sommes 12 à Lyon et nous visons l'Allemagne", {}) is None
    assert compound_answers.country_alone(kb, "Nous sommes 12 à Lyon", {}) is None


def test_a_question_beside_the_programme_it_names_keeps_that_programme_s_card_one_tap_away(kb):
    # A programme has no unit of its own: its card is its presentation.
    question = "Avec le V.I.E, faut-il un visa de travail pour un volontaire à Oman et une assurance rapatriement ?"
    text = f"Nous sommes 12 à Lyon, nous fabriquons des vélos. {question}"
    _, messages = compound_answers.answer(kb, text, {}, {})
    [honest] = [m for m in messages if (m.get("metadata") or {}).get(unit_answers.ABSTAINED_KEY)]
    card = honest["buttons"][0]
    assert card["payload"] == replies.payload("ask_programme", programme="vie")
    offered = honest["metadata"][unit_answers.OFFERED_KEY]
    assert offered[0] == "programme:vie:presentation"
    assert offered[0] in {u.id for u in unit_answers.ranker_for(kb).units}
    assert honest["buttons"][-1]["payload"] == replies.payload("request_adviser")


def test_a_regional_body_among_the_contacts_is_not_also_a_ranked_programme(kb):
    company = advice_company.from_values(
        kb, {"region": "auvergne-rhone-alpes", "departement": "69", "headcount": "12", "country": "ca"}
    )
    text = "\n".join(_texts(compound_answers.for_the_company(kb, company)))
    assert text.count("Team France Export Auvergne-Rhône-Alpes") == 1
    assert "Assurance Prospection (" in text and "FASEP" not in text
    ranked = [line for line in text.splitlines() if line[:3] in ("1. ", "2. ", "3. ")]
    assert len(ranked) == compound_answers.RECOMMENDED_IN_COMPOUND
    assert not any("Team France Export" in line for line in ranked)


def test_a_region_s_own_aids_leave_out_the_ones_its_contacts_present(kb):
    for region in kb.all("region"):
        presented = replies.contact_programmes(kb, region["id"])
        text = replies.region_support(kb, region["id"])[0]["text"]
        aids = next((line for line in text.split("\n\n") if line.startswith("Aides propres")), "")
        for pid in presented:
            assert kb.name("programme", pid) not in aids, (region["id"], pid)
    assert "team-france-export-auvergne-rhone-alpes" in replies.contact_programmes(kb, "auvergne-rhone-alpes")


def test_a_numbered_question_gets_the_answer_it_gets_alone(kb):
    text = (
        "Bonjour, nous sommes une PME de Grenoble (35 salariés) et nous visons l'Inde. "
        "1) Comment obtenir un numéro EORI ? 2) Quelles aides ?"
    )
    _, messages = compound_answers.answer(kb, text, {}, {})
    _, alone = unit_answers.answer_text(kb, "Comment obtenir un numéro EORI ?")
    unit = alone[0]["metadata"][unit_answers.UNIT_KEY]
    headed = next(m for m in messages if m["text"].startswith("« Comment obtenir un numéro EORI"))
    assert headed["metadata"][unit_answers.UNIT_KEY] == unit


def test_a_line_of_questions_is_answered_by_the_one_the_ranker_knows(kb):
    text = (
        "Nous sommes 20 à Rennes, nous fabriquons des meubles.\n"
        "Comment obtenir un numéro EORI ? Et la météo de demain sera-t-elle clémente pour notre pique-nique ?\n"
        "Quelles aides ?\n"
        "Faut-il un carnet ATA pour un salon en Suisse ?"
    )
    _, messages = compound_answers.answer(kb, text, {}, {})
    units = [(m.get("metadata") or {}).get(unit_answers.UNIT_KEY) for m in messages]
    assert "faq:eori-obtenir" in units
    # The third line is answered, not cut off as a fourth question.
    assert any(m["text"].startswith("« Faut-il un carnet ATA") for m in messages)
    assert not any(m["text"].startswith("J'ai répondu à vos") for m in messages)


def test_a_sector_the_extractor_read_in_a_question_is_not_the_company_s(kb):
    text = (
        "Bonjour, nous sommes une PME de Grenoble (35 salariés), nous fabriquons des vannes en inox. "
        "Comment être payé en sécurité ?"
    )
    described, _ = compound_answers.read_profile(kb, text, {"sector": "sécurité"})
    assert "sector" not in described
    # Named in a statement, the extractor's sector stands.
    said = "Nous sommes 35 à Grenoble, nous travaillons dans la sécurité. Comment être payé ?"
    assert compound_answers.read_profile(kb, said, {"sector": "sécurité"})[0]["sector"] == "sécurité"


def test_la_bas_is_the_market_the_company_wants(kb):
    text = (
        "Nous sommes 35 à Grenoble et nous visons l'Inde. Y a-t-il un accord commercial avec ce pays ? Quelles aides ?"
    )
    alone = "Y a-t-il un accord commercial avec l'Inde ?"
    for asked in ("Y a-t-il un accord commercial avec ce pays ?", "Y a-t-il un accord commercial là-bas ?"):
        _, messages = compound_answers.answer(
            kb, text.replace("Y a-t-il un accord commercial avec ce pays ?", asked), {}, {}
        )
        headed = next(m for m in messages if m["text"].startswith(f"« {asked}"))
        # Read as India, the question gets India's card, answered or offered beside the honest
        # reply when the ranker is not sure of it.
        metadata = headed["metadata"]
        assert "country:in" in [metadata.get(unit_answers.UNIT_KEY), *metadata.get(unit_answers.OFFERED_KEY, ())], alone


def test_a_question_typed_after_commas_is_answered_as_alone(kb):
    text = "Bonjour, on fait des biscuits à Nantes, on voudrait exporter, par quel pays commencer ?"
    _, messages = compound_answers.answer(kb, text, {}, {})
    assert messages[0]["text"].startswith("C'est noté : ") and "Loire-Atlantique" in messages[0]["text"]
    _, alone = unit_answers.answer_text(kb, "Par quel pays commencer ?")
    assert messages[1]["metadata"][unit_answers.UNIT_KEY] == alone[0]["metadata"][unit_answers.UNIT_KEY]


def test_who_can_help_after_the_company_s_place_gets_the_contacts_near_it(kb):
    for question in ("qui peut nous aider pour l'export ?", "à qui s'adresser pour exporter ?"):
        _, messages = compound_answers.answer(kb, f"on est dans le 69, {question}", {"departement": "69"}, {})
        assert messages[0]["text"].startswith("C'est noté : implantation : Rhône (69)"), question
        assert "Vos interlocuteurs pour l'export, Région Auvergne-Rhône-Alpes" in messages[1]["text"], question


def test_france_named_in_a_question_is_no_card_to_offer(kb):
    question = "Quelles règles devez-vous respecter pour utiliser la mention « Fabriqué en France » sur un béret ?"
    text = f"Nous fabriquons des bérets à Oloron-Sainte-Marie depuis 200 ans et visons l'Asie. {question}"
    _, messages = compound_answers.answer(kb, text, {}, {})
    offered = [u for m in messages for u in (m.get("metadata") or {}).get(unit_answers.OFFERED_KEY, [])]
    assert "country:fr" not in offered
