"""Cutting a message into statements and questions, and reading what its sentences say of the
company's markets (bot/core/message_parts.py), on the real knowledge base's countries."""

from __future__ import annotations

from bot.core import compound_answers, message_parts


def test_a_message_is_cut_into_its_statements_and_its_questions_in_order():
    parts = message_parts.split(
        "Nous sommes 40 à Angers, on fait des machines agricoles. On vend déjà en Belgique. "
        "On vise le Maroc : il faut un marquage particulier ? et qui peut nous aider en Pays de la Loire ?"
    )
    assert parts.statements == ("Nous sommes 40 à Angers, on fait des machines agricoles.", "On vend déjà en Belgique.")
    assert parts.questions == (
        "On vise le Maroc : il faut un marquage particulier ?",
        "et qui peut nous aider en Pays de la Loire ?",
    )
    assert message_parts.split("Comment obtenir un EORI ?\n\nEt combien de temps ?").questions == (
        "Comment obtenir un EORI ?",
        "Et combien de temps ?",
    )


def test_markets_served_and_wanted_are_told_apart_clause_by_clause(kb):
    text = "Nous sommes 30 salariés. On vend déjà au Portugal, on aimerait essayer le Mexique."
    assert message_parts.markets(kb, text) == message_parts.Markets(served=("pt",), wanted=("mx",))
    assert message_parts.markets(kb, "Nous exportons en Belgique et en Suisse.").served == ("be", "ch")
    # A country named in passing, with neither kind of verb, is neither.
    assert message_parts.markets(kb, "Les normes du Japon sont-elles strictes ?") == message_parts.Markets((), ())


def test_steps_towards_a_market_make_it_wanted_and_partnerships_served(kb):
    wanted = message_parts.markets(kb, "On double l'effectif pour partir sur l'Espagne et l'Allemagne.").wanted
    assert set(wanted) == {"es", "de"}
    assert message_parts.markets(kb, "Je reviens d'une mission en Corée du Sud.").wanted == ("kr",)
    assert message_parts.markets(kb, "Nous cherchons un distributeur au Canada.").wanted == ("ca",)
    assert message_parts.markets(kb, "Nous avons des partenariats au Japon.").served == ("jp",)


def test_il_y_a_trois_ans_dates_a_past_action_not_the_company():
    assert message_parts.age_is_a_past_event("On a fait un salon à Milan il y a trois ans.")
    assert not message_parts.age_is_a_past_event("Nous avons créé la société il y a trois ans.")
    assert not message_parts.age_is_a_past_event("Nous sommes 12 à Lyon.")


def test_a_compound_message_has_several_precise_questions_or_a_question_after_a_description():
    two = message_parts.split("Comment obtenir un EORI ? Et le carnet ATA ?")
    assert message_parts.is_compound(two, knows_the_company=False, precise_questions=2)
    assert not message_parts.is_compound(two, knows_the_company=False, precise_questions=1)
    described = message_parts.split("Nous sommes 12 à Lyon. Quelles aides ?")
    assert message_parts.is_compound(described, knows_the_company=True, precise_questions=0)
    assert not message_parts.is_compound(described, knows_the_company=False, precise_questions=0)
    single = message_parts.split("Comment obtenir un EORI ?")
    assert not message_parts.is_compound(single, knows_the_company=True, precise_questions=1)


def test_a_number_is_a_profile_fact_only_beside_a_word_that_makes_it_one():
    text = "Est-ce que la mention Art 293b suffit ? Mon client doit me payer 2000$ ce mois-ci. Nous sommes 12 à Lyon."
    assert message_parts.stated_with_cue(text, "headcount", "12")
    assert not message_parts.stated_with_cue(text, "headcount", "293")
    assert not message_parts.stated_with_cue(text, "company_age", "2000")
    assert message_parts.stated_with_cue("Société créée en 2019.", "company_age", "2019")
    assert message_parts.stated_with_cue("Nous sommes en Bretagne, créés en 2010.", "company_age", "2010")
    assert message_parts.stated_with_cue("Fondées en 1990, nos deux usines…", "company_age", "1990")
    assert message_parts.stated_with_cue(text, "sector", "vélos")  # a slot that needs no cue


def test_a_headcount_in_digits_is_read_from_the_sentence():
    assert message_parts.headcount_in("Nous sommes 40 à Angers") == 40
    assert message_parts.headcount_in("une PME de 35 salariés en Bretagne") == 35
    assert message_parts.headcount_in("on a fait 3 salons") is None


def test_a_headcount_in_words_or_rounded_is_read_too():
    assert message_parts.headcount_in("Nous sommes une cinquantaine de personnes à Courzieu") == 50
    assert message_parts.headcount_in("des machines agricoles, avec une centaine de salariés") == 100
    assert message_parts.headcount_in("nous sommes douze à Lyon") == 12
    assert message_parts.headcount_in("on est vingt-deux") == 22
    # « une » alone is an article, and a number beside another noun counts nothing.
    assert message_parts.headcount_in("nous sommes une PME familiale") is None
    assert message_parts.headcount_in("on fait deux salons par an") is None


def test_a_case_told_in_the_third_person_is_not_the_writer_s_company():
    assert message_parts.speaks_of_itself(("Nous sommes 12 à Lyon, on fabrique des vélos.",))
    assert message_parts.speaks_of_itself(("PME de 25 salariés dans la cosmétique à Grasse.",))
    assert message_parts.speaks_of_itself(("J’ai une petite société de conseil.",))
    assert not message_parts.speaks_of_itself(
        ("Une entreprise basée en Allemagne vend des pièces à une entreprise française, livrées en Autriche.",)
    )


def test_a_sum_paid_or_a_year_beside_another_verb_is_no_revenue_and_no_age():
    text = "Mon client me paie 2000$, ce qui me donne 1800€. La facture que je vais créer indique le montant."
    assert not message_parts.stated_with_cue(text, "company_age", "2000")
    assert not message_parts.stated_with_cue(text, "revenue", "1800")
    assert message_parts.stated_with_cue("Nous faisons 6 M€ de chiffre d'affaires.", "revenue", "6 M")
    assert message_parts.stated_with_cue("40 salariés, 6 M€, dans le 44.", "revenue", "6 M")
    assert message_parts.stated_with_cue("Entreprise familiale depuis 1987 en Occitanie.", "company_age", "1987")
    assert message_parts.stated_with_cue("On a 2 ans et pas encore de CA.", "company_age", "2 ans")


def test_markets_told_in_the_past_or_in_a_list_keep_the_kind_of_their_verb(kb):
    text = (
        "Nous employons 130 salariés en France, en Belgique et aux États-Unis. "
        "Dix ans de salons et de prospection nous ont ouvert l'Espagne, l'Italie. "
        "10 % partaient en Chine. Nous visons la Suisse et le Japon."
    )
    found = message_parts.markets(kb, text)
    assert set(found.served) == {"be", "us", "es", "it", "cn"} and "fr" not in found.served
    assert found.wanted == ("ch", "jp")


def test_a_number_is_a_headcount_or_a_revenue_only_next_to_the_word_that_makes_it_one():
    text = (
        "Notre domaine a 64 hectares de vigne, 15 salariés et produit 200 000 bouteilles, 2,9 millions d'euros de CA."
    )
    assert message_parts.stated_with_cue(text, "headcount", "15")
    assert not message_parts.stated_with_cue(text, "headcount", "64")
    assert message_parts.stated_with_cue("Une centaine de salariés en Vendée.", "headcount", "centaine")
    assert message_parts.stated_with_cue(text, "revenue", "2,9 millions")
    assert not message_parts.stated_with_cue(text, "revenue", "200 000")


def test_a_question_that_opens_on_the_company_is_a_description_then_the_question():
    parts = message_parts.split(
        "ETI de 200 salariés dans le machinisme agricole en Centre-Val de Loire : quelles aides pour nous ? "
        "Nous répondons à un appel d'offres en Inde."
    )
    assert parts.questions == ("Quelles aides pour nous ?",)
    assert parts.statements[0] == "ETI de 200 salariés dans le machinisme agricole en Centre-Val de Loire"
    # A question that opens on its own subject keeps it.
    parts = message_parts.split("Clients domiciliés à l'étranger : quelle procédure en cas d'impayé ?")
    assert parts.questions == ("Clients domiciliés à l'étranger : quelle procédure en cas d'impayé ?",)


def test_a_foreign_city_or_an_adjective_names_the_market(kb):
    # « Montréal » is Canada's (knowledge/countries.yml `cities`), « ouvrons » a market wanted.
    assert message_parts.markets(kb, "Nous ouvrons une filiale à Montréal.") == message_parts.Markets((), ("ca",))
    assert message_parts.markets(kb, "On exporte déjà vers des épiceries de Singapour.").served == ("sg",)
    # Every form of the adjective: feminine and plural too.
    assert message_parts.markets(kb, "Nous vendons à des importatrices japonaises.").served == ("jp",)
    assert message_parts.markets(kb, "Nous aimerions trouver des partenaires chinois.").wanted == ("cn",)


def test_a_nationality_is_no_market_wanted(kb):
    nothing = message_parts.Markets((), ())
    assert message_parts.markets(kb, "Nous sommes 20 à Lyon. Un client ukrainien nous a contactés.") == nothing
    assert message_parts.markets(kb, "Un acheteur japonais veut nos prix.") == nothing
    assert message_parts.markets(kb, "Notre agent italien nous cherche des distributeurs.") == nothing
    # The same rule for a name another reader found (the NLU's `country` entity).
    assert message_parts.markets(kb, "Un client ukrainien nous a contactés.", ("ukrainien",)) == nothing
    assert message_parts.nationalities(kb, "Un client ukrainien nous a contactés.") == {"ua"}
    # A wish to sell to someone says nothing of a market (only a sale made does).
    assert message_parts.markets(kb, "Nous voulons vendre à un client japonais.") == nothing
    # In a question, a customer is a case, not the company's market.
    assert message_parts.markets(kb, "Comment facturer un client belge ?") == nothing


def test_a_customer_s_nationality_is_a_market_served_when_a_sale_was_made(kb):
    assert message_parts.markets(kb, "Nous avons décroché un gros client ukrainien l'an dernier.").served == ("ua",)
    assert message_parts.markets(kb, "Un importateur canadien nous a commandé 3 000 bouteilles.").served == ("ca",)
    assert message_parts.markets(kb, "Nous avons quelques clients allemands.").served == ("de",)
    # « suisse » is a name and an adjective: after a place word, the country itself.
    assert message_parts.markets(kb, "Un client suisse nous a commandé 200 pièces.").served == ("ch",)
    assert message_parts.markets(kb, "Nous vendons en Suisse et Belgique.").served == ("be", "ch")


def test_a_market_named_by_its_adjective_keeps_the_kind_of_its_verb(kb):
    assert message_parts.markets(kb, "Nous visons le marché japonais.").wanted == ("jp",)
    assert message_parts.markets(kb, "Nous cherchons des distributeurs allemands.").wanted == ("de",)
    assert message_parts.markets(kb, "Nous visons la clientèle coréenne.").wanted == ("kr",)
    assert message_parts.markets(kb, "Un client suisse nous a écrit, nous visons la Belgique.").wanted == ("be",)


def test_what_is_about_to_happen_is_wanted_and_a_share_that_leaves_is_served(kb):
    text = (
        "Une chef japonaise nous a remarqués, et nos confitures devraient bientôt arriver dans des épiceries "
        "de Singapour."
    )
    assert message_parts.markets(kb, text) == message_parts.Markets((), ("sg",))
    text = "Un tiers part vers le continent, un dixième à l'étranger, surtout en Suisse."
    assert message_parts.markets(kb, text).served == ("ch",)


def test_a_date_is_the_company_s_age_only_when_it_dates_the_company(kb):
    assert not message_parts.dates_the_company(kb, "Nous avons un bureau dans la Silicon Valley depuis 2008.", "2008")
    assert not message_parts.dates_the_company(kb, "Nous exportons au Japon depuis 2010.", "2010")
    assert not message_parts.dates_the_company(kb, "Notre contrat avec Airbus court depuis 2015.", "2015")
    assert not message_parts.dates_the_company(kb, "Nous avons créé une filiale en 2015.", "2015")
    assert not message_parts.dates_the_company(kb, "En 2015, nous avons ouvert un magasin à Tokyo.", "2015")
    assert not message_parts.dates_the_company(kb, "Notre client allemand nous suit depuis 2012.", "2012")
    assert not message_parts.dates_the_company(kb, "Notre filiale américaine, créée en 2019, recrute.", "2019")
    assert not message_parts.dates_the_company(kb, "On a exposé au salon de Milan il y a trois ans.", "trois ans")


def test_a_date_that_the_company_itself_carries_is_its_age(kb):
    assert message_parts.dates_the_company(kb, "Entreprise familiale fondée en 1987, 40 salariés.", "1987")
    assert message_parts.dates_the_company(kb, "Depuis 2008 nous fabriquons des vélos.", "2008")
    assert message_parts.dates_the_company(kb, "Notre société, créée en 2011, conçoit des logiciels.", "2011")
    assert message_parts.dates_the_company(kb, "Nous sommes 12 à Lyon, créés en 2010, et nous exportons.", "2010")
    assert message_parts.dates_the_company(kb, "Nous produisons du cidre en Normandie depuis 1962.", "1962")
    assert message_parts.dates_the_company(kb, "Implantés dans le 91 depuis 2018, on cherche des aides.", "2018")
    assert message_parts.dates_the_company(kb, "C'est une entreprise de 20 ans.", "20 ans")
    assert message_parts.dates_the_company(kb, "On a 3 ans et pas encore de CA.", "3 ans")
    # A value the text does not hold: nothing says what it dates, the extractor's reading stays.
    assert message_parts.dates_the_company(kb, "Nous sommes 12 à Lyon.", "2019")


def test_the_knowledge_base_tells_a_country_s_adjective_from_its_name(kb):
    assert kb.country_adjective("ukrainiennes") == "only"
    assert kb.country_adjective("suisse") == "also"  # the name of Switzerland too
    assert kb.country_adjective("ukraine") is None and kb.country_adjective("montreal") is None


def test_preparing_builds_the_sentencizer_so_that_no_message_pays_for_it(kb):
    message_parts._sentencizer.cache_clear()
    compound_answers.prepare(kb)
    assert message_parts._sentencizer.cache_info().currsize == 1


def test_a_supplier_s_nationality_or_goods_bought_are_no_market_served(kb):
    nothing = message_parts.Markets((), ())
    assert message_parts.markets(kb, "Notre fournisseur chinois nous a livré en retard.") == nothing
    assert message_parts.markets(kb, "Un fournisseur italien nous a facturé 3 000 €.") == nothing
    assert message_parts.markets(kb, "Nous avons acheté des machines allemandes.") == nothing
    # A customer who bought from the company is still a sale made.
    assert message_parts.markets(kb, "Un client japonais nous a acheté 200 pièces.").served == ("jp",)


def test_a_list_s_markers_are_not_part_of_its_questions():
    text = (
        "Nous sommes 35 à Grenoble et nous visons l'Inde. 1) Y a-t-il un accord commercial avec l'Inde ? "
        "2. Comment être payé sans risque ?\n- Quelles aides ?\n• Qui contacter ?"
    )
    parts = message_parts.split(text)
    assert parts.questions == (
        "Y a-t-il un accord commercial avec l'Inde ?",
        "Comment être payé sans risque ?",
        "Quelles aides ?",
        "Qui contacter ?",
    )
    assert parts.statements == ("Nous sommes 35 à Grenoble et nous visons l'Inde.",)


def test_beyond_three_questions_on_a_few_lines_each_line_is_one_question():
    text = (
        "Nous fabriquons des meubles à Rennes.\n\n"
        "Pourquoi déposer une marque ? Comment la déposer à l'étranger ?\n\n"
        "Quelles aides ?\n\nFaut-il un carnet ATA pour un salon en Suisse ?"
    )
    assert message_parts.split(text).questions == (
        "Pourquoi déposer une marque ? Comment la déposer à l'étranger ?",
        "Quelles aides ?",
        "Faut-il un carnet ATA pour un salon en Suisse ?",
    )
    # Four questions on four lines, or on one line, stay four questions.
    assert len(message_parts.split("Quoi ?\nQui ?\nOù ?\nQuand ?").questions) == 4
    assert len(message_parts.split("Nous sommes 12. Quoi ? Qui ? Où ? Quand ?").questions) == 4


def test_a_description_and_a_question_with_only_commas_between_are_told_apart():
    text = "Bonjour, on fait des biscuits à Nantes, on voudrait exporter, par quel pays commencer ?"
    assert message_parts.split(text) == message_parts.Parts(
        ("Bonjour, on fait des biscuits à Nantes, on voudrait exporter.",), ("Par quel pays commencer ?",)
    )
    # A greeting, or a question that opens the sentence, describes nothing.
    for alone in (
        "Bonjour, comment obtenir un numéro EORI ?",
        "Comment faire, pour nous, quand le client paie en retard ?",
    ):
        assert message_parts.split(alone) == message_parts.Parts((), (alone,))
