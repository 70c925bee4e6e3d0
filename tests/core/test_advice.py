"""The advice engine on the real knowledge base, without Rasa: normalisation of the profile,
eligibility criterion by criterion (boundary values included), ranking, routing, and the
questions the form asks."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.advice import company as advice_company
from bot.core.advice import eligibility, finder, routing
from bot.core.advice.company import NOT_GIVEN, CompanyProfile, from_values
from bot.core.advice.eligibility import ELIGIBLE, MET, NOT_ELIGIBLE, NOT_MET, TO_CHECK, UNKNOWN

TODAY = dt.date(2026, 11, 28)


def threshold(kb, pid, kind):
    """The value of a programme's criterion, read from knowledge/ so that the boundary
    tests follow the data."""
    values = [c["value"] for c in kb.get("programme", pid).get("eligibility", []) if c["criterion"] == kind]
    assert values, f"{pid} n'a plus de critère {kind}"
    return values[0]


def check_of(assessment, kind):
    found = [c for c in assessment.checks if c.criterion == kind]
    assert found, kind
    return found[0]


# --- normalisation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values, field, expected",
    [
        ({"headcount": "on est 25"}, "headcount", 25),
        ({"headcount": "une vingtaine"}, "headcount", 20),
        ({"revenue": "3 millions"}, "revenue", 3_000_000),
        ({"revenue": "1,5 M€"}, "revenue", 1_500_000),
        ({"revenue": "3000000"}, "revenue", 3_000_000),
        ({"company_age": "8 mois"}, "age_months", 8),
        ({"company_age": "14 mois"}, "age_months", 14),
        ({"departement": "69"}, "region", "auvergne-rhone-alpes"),
        ({"region": "dans le 69"}, "departement", "69"),
        ({"region": "Pays de la Loire"}, "region", "pays-de-la-loire"),
        ({"country": "au Japon"}, "country", "jp"),
        ({"country": "Japon"}, "country", "jp"),
        ({"country": "vers l'Asie"}, "zone", "Asie"),
        ({"sector": "agroalimentaire"}, "sector", "agroalimentaire"),
        ({"need": "financement"}, "need", "financement"),
        ({"first_balance_sheet": "true"}, "balance_sheet_closed", True),
        ({"export_experience": "Nous n'avons jamais exporté"}, "export_experience", "aucune"),
    ],
)
def test_profile_values_are_normalised(kb, values, field, expected):
    assert getattr(from_values(kb, values, TODAY), field) == expected


def test_normalised_slots_read_back_to_the_same_profile(kb):
    typed = {
        "sector": "cosmétique",
        "departement": "Gironde",
        "headcount": "une trentaine",
        "revenue": "2,5 M€",
        "company_age": "créée en 2015",
        "export_experience": "un peu en Belgique",
        "country": "Mexique",
        "need": "salons",
    }
    first = from_values(kb, typed, TODAY)
    again = from_values(kb, advice_company.to_slots(first), TODAY)
    assert again == first
    assert first.region == "nouvelle-aquitaine" and first.country == "mx" and first.headcount == 30


@pytest.mark.parametrize(
    "text, expected",
    [
        ("jamais", "aucune"),
        ("c'est notre premier export", "aucune"),
        ("pas encore", "aucune"),
        ("on vend un peu en Belgique", "occasionnelle"),
        ("de temps en temps", "occasionnelle"),
        ("oui régulièrement", "reguliere"),
        ("30 % du CA", "reguliere"),
        ("depuis 10 ans", "reguliere"),
        ("le jambon", None),
    ],
)
def test_export_experience(text, expected):
    assert advice_company.parse_export_experience(text) == expected


def test_an_age_given_by_its_year_is_shown_as_a_year_and_read_back_as_one(kb):
    year_only = from_values(kb, {"company_age": "créée en 2024"}, TODAY)
    assert "Ancienneté : environ 2 ans (créée en 2024)" in advice_company.describe(kb, year_only)
    assert advice_company.to_slots(year_only)["company_age"] == "2024"
    # A month later the same slot gives the age of that day, still from the year.
    later = from_values(kb, advice_company.to_slots(year_only), TODAY + dt.timedelta(days=60))
    assert later.founded_year == 2024 and later.age_months == year_only.age_months + 2
    assert "Ancienneté : environ 39 ans (créée en 1987)" in advice_company.describe(
        kb, from_values(kb, {"company_age": "depuis 1987"}, TODAY)
    )
    # Months the user gave are kept.
    for typed, shown in (("créée en mars 2024", "2 ans et 8 mois"), ("18 mois", "1 an et 6 mois")):
        company = from_values(kb, {"company_age": typed}, TODAY)
        assert company.founded_year is None and f"Ancienneté : {shown}" in advice_company.describe(kb, company)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("oui", True),
        ("oui c'est fait", True),
        ("non", False),
        ("pas encore", False),
        ("nous avons déjà un bilan", True),
        ("aucun bilan", False),
        ("peut-être", None),
    ],
)
def test_yes_no(text, expected):
    assert advice_company.parse_yes_no(text) == expected


def test_form_asks_only_what_is_missing_in_order(kb):
    company = from_values(kb, {"sector": "plasturgie", "departement": "44", "headcount": "60"}, TODAY)
    assert company.missing_slots() == ["revenue", "company_age", "export_experience", "country", "need"]
    declined = from_values(kb, {"revenue": NOT_GIVEN, "country": NOT_GIVEN}, TODAY)
    assert "revenue" not in declined.missing_slots() and "country" not in declined.missing_slots()


@pytest.mark.parametrize("age, asked", [(11, False), (12, True), (23, True), (24, False), (None, False)])
def test_balance_sheet_question_only_between_12_and_24_months(age, asked):
    company = CompanyProfile(age_months=age)
    assert ("first_balance_sheet" in company.missing_slots()) is asked


# --- eligibility ---------------------------------------------------------------------------


def test_company_of_eight_months_is_not_yet_eligible_to_assurance_prospection(kb):
    result = eligibility.assess(kb, "assurance-prospection", CompanyProfile(age_months=8, region="bretagne"))
    assert result.verdict == NOT_ELIGIBLE
    check = check_of(result, "first_balance_sheet_closed")
    assert check.status == NOT_MET
    assert "premier bilan de 12 mois" in check.remedy and "4 mois" in check.remedy


@pytest.mark.parametrize("age, status", [(11, NOT_MET), (12, UNKNOWN), (23, UNKNOWN), (24, MET)])
def test_first_balance_sheet_around_twelve_months(kb, age, status):
    result = eligibility.assess(kb, "assurance-prospection", CompanyProfile(age_months=age))
    assert check_of(result, "first_balance_sheet_closed").status == status


def test_twelve_months_with_balance_sheet_closed_meets_the_criterion(kb):
    result = eligibility.assess(kb, "assurance-prospection", CompanyProfile(age_months=12, balance_sheet_closed=True))
    assert check_of(result, "first_balance_sheet_closed").status == MET
    not_yet = eligibility.assess(kb, "assurance-prospection", CompanyProfile(age_months=12, balance_sheet_closed=False))
    assert check_of(not_yet, "first_balance_sheet_closed").status == NOT_MET


# Programmes whose criteria count months of existence: 36, 12, and a first 12-month balance sheet.
AGE_RULES = (
    ("pret-croissance-international", "min_company_age_months"),
    ("aide-developpement-international-martinique", "min_company_age_months"),
    ("assurance-prospection", "first_balance_sheet_closed"),
)


@pytest.mark.parametrize("year", range(2019, 2027))
@pytest.mark.parametrize("pid, kind", AGE_RULES)
def test_a_year_alone_decides_as_before_unless_the_month_would_change_the_answer(kb, pid, kind, year):
    company = from_values(kb, {"company_age": str(year)}, TODAY)
    as_before = CompanyProfile(age_months=company.age_months)  # the middle of the year, as read before
    check = check_of(eligibility.assess(kb, pid, company), kind)
    before = check_of(eligibility.assess(kb, pid, as_before), kind)
    every_month = {
        check_of(eligibility.assess(kb, pid, CompanyProfile(age_months=months)), kind).status
        for months in range(company.age_span[0], company.age_span[1] + 1)
    }
    if len(every_month) == 1:
        assert check.status == before.status
    else:
        assert check.status == UNKNOWN


def test_a_company_founded_last_year_is_to_be_checked_against_a_twelve_month_rule(kb):
    june = dt.date(2026, 6, 15)
    company = from_values(kb, {"company_age": "créée en 2025", "region": "martinique"}, june)
    assert company.age_span == (6, 17)
    check = check_of(
        eligibility.assess(kb, "aide-developpement-international-martinique", company), "min_company_age_months"
    )
    assert check.status == UNKNOWN and check.missing == "company_age"
    assert "créée en 2025" in check.explanation and "mois de sa création" in check.explanation
    # Its balance sheet question is asked, rather than « pas encore pu clôturer un bilan ».
    assert "first_balance_sheet" in company.missing_slots()
    balance = check_of(eligibility.assess(kb, "assurance-prospection", company), "first_balance_sheet_closed")
    assert balance.status == UNKNOWN and balance.missing == "first_balance_sheet"
    # The report asks for the month, not for the age already given.
    report = render.eligibility_report(
        kb, eligibility.assess(kb, "aide-developpement-international-martinique", company), company
    )[0]["text"]
    assert "il me manque : le mois de création de votre entreprise" in report
    assert report.endswith("En quel mois de 2025 votre entreprise a-t-elle été créée (par exemple « mars 2025 ») ?")
    # The month settles it.
    exact = from_values(kb, {"company_age": "créée en mars 2025", "region": "martinique"}, june)
    check = check_of(
        eligibility.assess(kb, "aide-developpement-international-martinique", exact), "min_company_age_months"
    )
    assert check.status == MET and "1 an et 3 mois" in check.explanation
    # Founded this year, it cannot have twelve months: no « à vérifier ».
    young = from_values(kb, {"company_age": "2026"}, june)
    check = check_of(
        eligibility.assess(kb, "aide-developpement-international-martinique", young), "min_company_age_months"
    )
    assert check.status == NOT_MET and "au plus tôt" in check.remedy


@pytest.mark.parametrize("delta, status", [(-1, MET), (0, MET), (1, NOT_MET)])
def test_revenue_at_the_ceiling(kb, delta, status):
    ceiling = int(threshold(kb, "assurance-prospection", "max_revenue_eur"))
    result = eligibility.assess(kb, "assurance-prospection", CompanyProfile(revenue=ceiling + delta))
    assert check_of(result, "max_revenue_eur").status == status


@pytest.mark.parametrize("delta, status", [(-1, MET), (0, MET), (1, NOT_MET)])
def test_headcount_at_the_ceiling(kb, delta, status):
    ceiling = int(threshold(kb, "pm-up", "max_headcount"))
    result = eligibility.assess(kb, "pm-up", CompanyProfile(headcount=ceiling + delta, region="ile-de-france"))
    assert check_of(result, "max_headcount").status == status


@pytest.mark.parametrize("delta, status", [(-1, NOT_MET), (0, MET), (1, MET)])
def test_headcount_at_the_floor(kb, delta, status):
    floor = int(threshold(kb, "pm-up", "min_headcount"))
    result = eligibility.assess(kb, "pm-up", CompanyProfile(headcount=floor + delta, region="ile-de-france"))
    assert check_of(result, "min_headcount").status == status


@pytest.mark.parametrize("delta, status", [(-1, NOT_MET), (0, MET), (1, MET)])
def test_company_age_at_the_minimum(kb, delta, status):
    minimum = int(threshold(kb, "pret-croissance-international", "min_company_age_months"))
    result = eligibility.assess(kb, "pret-croissance-international", CompanyProfile(age_months=minimum + delta))
    check = check_of(result, "min_company_age_months")
    assert check.status == status
    if status == NOT_MET:
        assert "1 mois" in check.remedy


@pytest.mark.parametrize("region, status", [("ile-de-france", MET), ("bretagne", NOT_MET), (None, UNKNOWN)])
def test_regional_programme_and_the_company_region(kb, region, status):
    result = eligibility.assess(kb, "pm-up", CompanyProfile(region=region, headcount=20))
    assert check_of(result, "located_in_regions").status == status


@pytest.mark.parametrize(
    "country, zone, status",
    [
        ("de", None, NOT_MET),
        ("jp", None, MET),
        (None, "Asie", MET),
        (None, "Europe", UNKNOWN),
        (None, None, UNKNOWN),
    ],
)
def test_markets_outside_the_eu(kb, country, zone, status):
    result = eligibility.assess(kb, "fasep", CompanyProfile(country=country, zone=zone, region="occitanie"))
    assert check_of(result, "target_outside_eu").status == status


@pytest.mark.parametrize("sector, status", [("finance", NOT_MET), ("agroalimentaire", MET), (None, UNKNOWN)])
def test_excluded_sectors(kb, sector, status):
    result = eligibility.assess(kb, "contrat-export-occitanie", CompanyProfile(sector=sector, region="occitanie"))
    assert check_of(result, "excluded_sectors").status == status


def test_unknown_values_are_asked_for_in_order(kb):
    result = eligibility.assess(kb, "assurance-prospection", CompanyProfile())
    assert result.verdict == TO_CHECK
    assert result.missing == ["region", "revenue", "company_age"]


def test_everything_known_gives_eligible_a_priori_with_points_to_confirm(kb):
    company = CompanyProfile(region="pays-de-la-loire", revenue=3_000_000, age_months=60, headcount=25)
    result = eligibility.assess(kb, "assurance-prospection", company)
    assert result.verdict == ELIGIBLE
    assert result.to_confirm, "les critères « other » restent à vérifier avec l'opérateur"


def test_ended_programme_is_said_ended_with_its_date(kb):
    ended = [p for p in kb.all("programme") if p["status"] == "ended"]
    assert ended
    for programme in ended:
        result = eligibility.assess(kb, programme["id"], CompanyProfile(region="bretagne", headcount=10))
        assert result.verdict == NOT_ELIGIBLE
        assert result.checks[0].criterion == "status"
        assert str(programme["ended_on"].year) in result.checks[0].explanation


# --- ranking -------------------------------------------------------------------------------

PROFILES = {
    "plasturgie PDL Mexique": dict(
        sector="plasturgie",
        region="pays-de-la-loire",
        headcount=60,
        revenue=9_000_000,
        age_months=300,
        export_experience="occasionnelle",
        country="mx",
        need="risque-change",
    ),
    "logiciel Occitanie Allemagne": dict(
        sector="numerique",
        region="occitanie",
        headcount=10,
        revenue=1_200_000,
        age_months=72,
        export_experience="aucune",
        country="de",
        need="recrutement",
    ),
    "mode IDF Dubaï": dict(
        sector="textile-mode-luxe",
        region="ile-de-france",
        headcount=8,
        revenue=1_500_000,
        age_months=96,
        export_experience="aucune",
        country="ae",
        need="salons",
    ),
    "ETI CVL Inde": dict(
        sector="agriculture",
        region="centre-val-de-loire",
        headcount=200,
        revenue=60_000_000,
        age_months=480,
        export_experience="reguliere",
        country="in",
        need="financement",
    ),
    "jeune pousse 8 mois": dict(sector="numerique", region="bretagne", headcount=3, age_months=8, need="financement"),
}


@pytest.mark.parametrize("name", PROFILES)
def test_never_recommends_ended_ineligible_or_other_regions(kb, name):
    company = CompanyProfile(**PROFILES[name])
    recommended = finder.recommend(kb, company)
    assert len(recommended) == finder.RECOMMENDED
    for rec in recommended:
        programme = kb.get("programme", rec.programme_id)
        assert programme["status"] not in ("ended", "paused")
        assert rec.assessment.verdict != NOT_ELIGIBLE
        if programme["scope"] == "regional":
            assert company.region in programme["regions"]
    scores = [r.score for r in recommended]
    assert scores == sorted(scores, reverse=True)


def test_the_need_comes_first(kb):
    company = CompanyProfile(**PROFILES["logiciel Occitanie Allemagne"])
    top = finder.recommend(kb, company)
    assert "vie" in [r.programme_id for r in top]
    for rec in top[:3]:
        assert finder._need_matches(kb, kb.get("programme", rec.programme_id), "recrutement")


def test_young_company_is_not_offered_assurance_prospection(kb):
    top = [r.programme_id for r in finder.recommend(kb, CompanyProfile(**PROFILES["jeune pousse 8 mois"]))]
    assert "assurance-prospection" not in top


def test_regional_aid_of_the_company_region_ranks_high(kb):
    company = CompanyProfile(
        region="occitanie",
        headcount=20,
        sector="agroalimentaire",
        need="salons",
        export_experience="aucune",
        age_months=60,
        revenue=2_000_000,
        country="jp",
    )
    top = [r.programme_id for r in finder.recommend(kb, company)]
    assert "contrat-export-occitanie" in top


def test_each_recommendation_says_why(kb):
    for rec in finder.recommend(kb, CompanyProfile(**PROFILES["mode IDF Dubaï"])):
        assert rec.reasons


def test_formalities_do_not_crowd_out_a_plan(kb):
    top = finder.recommend(kb, CompanyProfile(**PROFILES["ETI CVL Inde"]))
    assert all(kb.get("programme", r.programme_id)["kind"] not in finder.FORMALITY_KINDS for r in top)


# --- routing -------------------------------------------------------------------------------


def test_contacts_for_a_need_come_first(kb):
    marked = routing.contacts_for(kb, "pays-de-la-loire", "financement")
    relevant = [c["organisation"] for c, is_relevant in marked if is_relevant]
    assert relevant and marked[0][1]
    assert any(o.startswith("bpifrance") for o in relevant)


def test_contacts_without_need_keep_the_region_order(kb):
    marked = routing.contacts_for(kb, "bretagne")
    assert [c for c, _ in marked] == kb.get("region", "bretagne")["contacts"]


def test_clusters_of_the_region_first(kb):
    ids = routing.clusters_for(kb, "agroalimentaire", "bretagne")
    assert ids
    in_region = [("bretagne" in kb.get("cluster", c)["regions"]) for c in ids]
    assert in_region == sorted(in_region, reverse=True)
    assert routing.clusters_for(kb, None) == []


# --- answers the actions send ------------------------------------------------------------

from bot.core import answer_router, compound_answers, replies  # noqa: E402
from bot.core.advice import conversation, render  # noqa: E402
from bot.core.citations import CITATION as SOURCE  # noqa: E402


def test_eligibility_without_profile_asks_the_first_missing_value(kb):
    updates, messages = answer_router.answer_eligibility(kb, "AP", {}, "suis-je éligible à l'AP ?")
    assert updates == {"programme": "assurance-prospection", "pending_eligibility": "assurance-prospection"}
    text = messages[0]["text"]
    assert text.startswith("Assurance Prospection : votre éligibilité reste à vérifier.")
    assert "Pour conclure, il me manque" in text
    assert text.endswith(eligibility.QUESTIONS["region"])
    assert SOURCE.search(text)


def test_the_answer_to_a_pending_question_updates_the_verdict(kb):
    context = {"pending_eligibility": "assurance-prospection", "region": "bretagne", "company_age": "8 mois"}
    updates, messages = answer_router.answer_company(kb, {**context, "revenue": "2 M€"})
    report = messages[-1]["text"]
    assert report.startswith("Assurance Prospection : vous n'êtes pas éligible a priori.")
    assert "après la clôture de votre premier bilan de 12 mois" in report
    assert updates["pending_eligibility"] is None and updates["revenue"] == "2000000"


def test_recommendations_have_reasons_buttons_and_sources(kb):
    company = CompanyProfile(**PROFILES["plasturgie PDL Mexique"])
    messages = render.recommendations(kb, company, finder.recommend(kb, company))
    assert "Effectif : 60 salariés" in messages[0]["text"]
    programmes = messages[1:-1]
    assert len(programmes) == 5
    for rank, item in enumerate(programmes, 1):
        assert item["text"].startswith(f"{rank}. ") and "Pourquoi : " in item["text"]
        assert [b["title"] for b in item["buttons"]] == ["Détails", "Suis-je éligible ?", "Qui contacter ?"]
        assert SOURCE.search(item["text"])
        assert item["choices"][0].startswith("/ask_programme")
    payloads = [b["payload"] for b in messages[-1]["buttons"]]
    assert "/request_adviser" in payloads and any(p.startswith("/ask_country") for p in payloads)


def test_adviser_answer_routes_by_need_and_offers_the_dossier(kb):
    messages = answer_router.answer_adviser(kb, {"region": "pays-de-la-loire", "need": "financement"})
    assert "→ " in messages[0]["text"] and SOURCE.search(messages[0]["text"])
    offer = messages[-1]
    assert "Rien n'est enregistré sans votre accord" in offer["text"]
    assert [b["payload"] for b in offer["buttons"]] == ["/affirm", "/deny"]


@pytest.mark.parametrize(
    "slot, text, intent, entities, expected",
    [
        ("headcount", "on est 25", "inform_company", {}, {"headcount": "25"}),
        ("headcount", "et l'AP c'est pour 250 salariés max ?", "ask_eligibility", {}, {}),
        ("revenue", "3 millions", "inform_company", {"revenue": "3 millions"}, {"revenue": "3000000"}),
        ("region", "dans le 69", "inform_company", {}, {"region": "auvergne-rhone-alpes", "departement": "69"}),
        ("country", "au Japon", "ask_country", {"country": "Japon"}, {"country": "jp"}),
        ("country", "plutôt l'Afrique", "inform_company", {}, {"country": "Afrique"}),
        ("country", "le marché japonais", "inform_company", {"country": "japonais"}, {"country": "jp"}),
        # A customer's nationality does not answer « Quel pays visez-vous ? ».
        ("country", "aucun, mais un client ukrainien nous a écrit", "inform_company", {"country": "ukrainien"}, {}),
        ("need", "", "inform_company", {"obstacle": "salons"}, {"need": "salons"}),
        ("first_balance_sheet", "/deny", "deny", {}, {"first_balance_sheet": "false"}),
        ("first_balance_sheet", "non", "deny", {}, {"first_balance_sheet": "false"}),
        ("sector", "passer", "deny", {}, {"sector": NOT_GIVEN}),
        ("company_age", "elle a 3 ans", "inform_company", {}, {"company_age": "36 mois"}),
        # A year alone stays a year: « 29 mois » would be falsely precise.
        ("company_age", "créée en 2024", "inform_company", {"company_age": "2024"}, {"company_age": "2024"}),
        ("export_experience", "c'est quoi le VIE ?", "ask_programme", {}, {}),
    ],
)
def test_answers_to_the_form_questions(kb, slot, text, intent, entities, expected):
    assert conversation.answer_to_profile_question(kb, slot, text, intent, entities) == expected


def test_market_pointers_give_agreement_origin_proof_access2markets_and_presence(kb):
    from bot.core import replies

    checked = 0
    for country in kb.all("country"):
        if not (country.get("origin_proof") and country.get("business_france") and country.get("eu_agreement")):
            continue
        [message] = replies.country_pointers(kb, country["id"])
        text = message["text"]
        assert country["eu_agreement"]["name"] in text
        assert country["origin_proof"] in text
        assert country["business_france"]["detail"] in text
        if country.get("access2markets_url"):
            assert country["access2markets_url"] in text
        # Every source is cited: the text lists three, the data beside it holds them all.
        [cited] = message["metadata"]["sources"]
        assert sorted(cited["urls"]) == sorted(source["url"] for source in country["sources"])
        assert cited["line"] in text
        assert [url in cited["line"] for url in cited["urls"]] == [i < 3 for i in range(len(cited["urls"]))]
        checked += 1
    assert checked >= 10
    member = replies.country_pointers(kb, "de")[0]["text"]
    assert "membre de l'Union européenne" in member and "Preuve de l'origine" not in member
    # The country's name takes its article, and the verb agrees with it.
    assert "L'Allemagne est membre de l'Union européenne." in member
    assert "Les Pays-Bas sont membres de l'Union européenne." in replies.country_pointers(kb, "nl")[0]["text"]
    assert "Malte est membre" in replies.country_pointers(kb, "mt")[0]["text"]
    assert "Le Portugal est membre" in replies.country_pointers(kb, "pt")[0]["text"]


def test_market_pointers_give_the_country_page_before_the_generic_access2markets_list(kb):
    from bot.core import replies
    from bot.knowledge.quality import is_bare_contact

    india = kb.get("country", "in")
    assert is_bare_contact(india["access2markets_url"])
    [message] = replies.country_pointers(kb, "in")
    text = message["text"]
    line = f"Formalités et contacts pour exporter en Inde ({india['country_page_title']}) : {india['country_page_url']}"
    assert line in text
    # The generic list stays, after the page: it is where duty rates are looked up by product.
    assert text.index(line) < text.index(india["access2markets_url"])
    [cited] = message["metadata"]["sources"]
    assert india["country_page_url"] in cited["urls"]


def test_market_pointers_without_a_country_page_keep_access2markets_alone(kb):
    from bot.core import replies

    vietnam = kb.get("country", "vn")
    assert "country_page_url" not in vietnam
    text = replies.country_pointers(kb, "vn")[0]["text"]
    assert "Formalités et contacts" not in text
    assert f"(Access2Markets) : {vietnam['access2markets_url']}" in text


def test_an_obstacle_follow_up_uses_the_difficulty_discussed_or_the_need(kb):
    obstacle_id, messages = answer_router.answer_obstacle(kb, None, "comment se couvrir ?", {"need": "risque-change"})
    assert obstacle_id == "risque-change" and kb.name("obstacle", "risque-change") in messages[0]["text"]
    obstacle_id, _ = answer_router.answer_obstacle(kb, None, "comment se couvrir ?", {})
    assert obstacle_id is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("près de Nantes", ("pays-de-la-loire", "44")),
        ("on est à Lyon", ("auvergne-rhone-alpes", "69")),
        ("près d'Aix-en-Provence", ("provence-alpes-cote-d-azur", "13")),
        ("Pays de la Loire", ("pays-de-la-loire", None)),
    ],
)
def test_a_city_gives_the_departement_and_the_region(kb, text, expected):
    assert advice_company.parse_place(kb, text, text) == expected


def test_adviser_contacts_cite_the_sources_of_the_contacts_not_the_departement_lists(kb):
    from bot.core import replies

    geography = ("insee.fr/fr/metadonnees/source/operation/s2085", "wikipedia.org/wiki/Liste_des_d")
    for region in kb.all("region"):
        text = replies.adviser_contact(kb, region["id"])[0]["text"]
        cited = text.rsplit("Source", 1)[1]
        assert not any(g in cited.split(" ; ")[0] for g in geography), region["id"]


def test_a_city_in_a_company_statement_gives_the_region(kb):
    updates, messages = answer_router.answer_company(kb, {}, text="nous sommes à Rennes")
    assert updates["region"] == "bretagne" and updates["departement"] == "35"
    assert "Ille-et-Vilaine (35), Région Bretagne" in messages[0]["text"]


def test_a_company_statement_repeats_the_markets_served_beside_the_one_wanted(kb):
    text = "Nous sommes 30 salariés. On vend déjà au Portugal, on aimerait essayer le Mexique."
    described, markets = compound_answers.read_profile(kb, text, {"headcount": "30", "country": "Portugal"})
    assert markets.served == ("pt",) and described["country"] == "mx"
    _, messages = answer_router.answer_company(kb, described, text=text, served=markets.served, wanted=markets.wanted)
    assert "• Marché visé : Mexique" in messages[0]["text"]
    assert "• Déjà présents : Portugal" in messages[0]["text"]


def test_a_revenue_answer_is_not_read_as_a_headcount(kb):
    answer = conversation.answer_to_profile_question(
        kb, "headcount", "environ 400 000 €", "inform_company", {"revenue": "400 000"}
    )
    assert answer == {}


def test_the_obstacle_own_list_orders_the_programmes_of_a_need(kb):
    company = CompanyProfile(
        region="bretagne",
        headcount=40,
        revenue=5_000_000,
        age_months=120,
        need="financement",
        sector="agroalimentaire",
        country="jp",
        export_experience="occasionnelle",
    )
    top = [r.programme_id for r in finder.recommend(kb, company)]
    assert top[0] == "assurance-prospection"


@pytest.mark.parametrize(
    "text, follows",
    [
        ("et pour le glutamate dans les sauces, le quota japonais c'est combien ?", False),
        ("ça coûte combien ?", True),
        ("et niveau coût, c'est quoi concrètement ?", True),
        ("combien ça coûte pour une PME ?", True),
    ],
)
def test_an_amount_question_off_the_programme_is_not_answered_beside_it(kb, text, follows):
    pid, messages = answer_router.answer_programme_aspect(kb, "ask_amount", None, "cheque-relance-export", text)
    assert (pid == "cheque-relance-export") is follows
    if not follows:
        assert messages[0]["text"].startswith(replies.NOT_IN_KNOWLEDGE)
        events = [{"event": "user", "text": text}, {"event": "bot", "text": messages[0]["text"]}]
        assert conversation.open_questions(events) == [text]


# --- the finder for a described company (user test of 7 December 2026) --------------------

LYON_QUEBEC = dict(region="auvergne-rhone-alpes", departement="69", headcount=12, sector="mobilite", country="ca")
LYON_US = dict(region="auvergne-rhone-alpes", departement="69", headcount=40, country="us")


@pytest.mark.parametrize("profile", [LYON_QUEBEC, LYON_US])
def test_a_company_starting_to_export_gets_the_assurance_prospection_in_its_top_three(kb, profile):
    top = [r.programme_id for r in finder.recommend(kb, CompanyProfile(**profile))]
    assert "assurance-prospection" in top[:3]


@pytest.mark.parametrize("country", ["us", "ca", "jp"])
def test_fasep_is_not_offered_for_a_high_income_market(kb, country):
    company = CompanyProfile(**dict(LYON_QUEBEC, country=country, need="financement"))
    assert eligibility.assess(kb, "fasep", company).verdict == NOT_ELIGIBLE
    assert check_of(eligibility.assess(kb, "fasep", company), "excluded_target_countries").status == NOT_MET
    assert "fasep" not in [r.programme_id for r in finder.recommend(kb, company, limit=None)]


@pytest.mark.parametrize(
    "country, explanation",
    [
        ("us", "Les États-Unis ne font pas partie des pays éligibles à ce dispositif selon mes sources."),
        ("ca", "Le Canada ne fait pas partie des pays éligibles à ce dispositif selon mes sources."),
    ],
)
def test_the_excluded_country_is_named_in_correct_french(kb, country, explanation):
    company = CompanyProfile(**dict(LYON_QUEBEC, country=country))
    assessment = eligibility.assess(kb, "fasep", company)
    assert check_of(assessment, "excluded_target_countries").explanation == explanation
    assert check_of(assessment, "target_outside_eu").explanation.startswith(explanation.split(" ne ")[0] + " ")


@pytest.mark.parametrize("country", ["sn", "vn"])
def test_fasep_stays_open_for_an_emerging_market_with_the_yearly_list_to_confirm(kb, country):
    company = CompanyProfile(**dict(LYON_QUEBEC, country=country, need="financement"))
    assessment = eligibility.assess(kb, "fasep", company)
    assert assessment.verdict == ELIGIBLE
    assert check_of(assessment, "excluded_target_countries") in assessment.to_confirm
    assert "fasep" in [r.programme_id for r in finder.recommend(kb, company)]


def test_a_zone_whose_countries_are_all_excluded_closes_fasep(kb):
    zone = kb.get("country", "us")["zone"]
    assert eligibility.assess(kb, "fasep", CompanyProfile(zone=zone, region="bretagne")).verdict == NOT_ELIGIBLE
    assert eligibility.assess(kb, "fasep", CompanyProfile(zone="Afrique", region="bretagne")).verdict == ELIGIBLE


def test_a_value_not_given_yet_costs_less_than_a_criterion_checked(kb):
    """The Assurance Prospection lacks the revenue and the age; it still outranks programmes
    whose record only has criteria nobody can check, when it answers more usual needs."""
    company = CompanyProfile(**LYON_QUEBEC)
    ap = finder.score_programme(kb, kb.get("programme", "assurance-prospection"), company)
    niche = finder.score_programme(kb, kb.get("programme", "assurance-investissement"), company)
    assert ap[2].verdict == TO_CHECK and niche[2].verdict == ELIGIBLE
    assert ap[0] > niche[0]


def test_without_a_need_each_recommendation_still_says_why(kb):
    for rec in finder.recommend(kb, CompanyProfile(**LYON_US)):
        assert rec.reasons
