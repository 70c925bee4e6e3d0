"""The source policy (primary and refused pages), what the citation line says about a
source (its page date, « non officielle »), and the quality measures of `kb stats` / `kb
stale`."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

from bot import cli
from bot.config import settings
from bot.core import citations, replies
from bot.knowledge import quality, store
from bot.knowledge.source_policy import PolicyError, parse, read_policy
from bot.knowledge.validation import KnowledgeError, read_knowledge
from tests.support import fast_yaml


@pytest.fixture(scope="module")
def policy():
    return read_policy(settings.KNOWLEDGE_DIR)


@pytest.fixture
def knowledge_copy(tmp_path):
    root = tmp_path / "knowledge"
    shutil.copytree(settings.KNOWLEDGE_DIR, root)
    return root


# --- the policy ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://www.douane.gouv.fr/fiche/exporter",
        "https://tresor.economie.gouv.fr/x",
        "https://trade.ec.europa.eu/access-to-markets/fr/content/x",
        "https://www.bpifrance.fr/catalogue",
        "https://www.teamfrance-export.fr/",
        "https://bofip.impots.gouv.fr/bofip/1",
        "https://entreprendre.service-public.fr/vosdroits/F1",
        "https://www.aerospace-valley.com/",
    ],
)
def test_primary_pages(policy, url):
    assert policy.refusal(url) is None and policy.is_primary(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.lemoci.com/x",
        "https://fr.wikipedia.org/wiki/X",
        "https://notgouv.fr/x",
        "https://gouv.fr.example.com/x",
    ],
)
def test_secondary_pages(policy, url):
    assert policy.refusal(url) is None and not policy.is_primary(url)


@pytest.mark.parametrize(
    "url, reason",
    [
        ("https://user-wb8ncdk.cld.bz/guide", "partage de documents"),
        ("https://fr.scribd.com/document/1", "partage de documents"),
        ("https://www.calameo.com/read/1", "partage de documents"),
        ("https://github.com/x/y", "hébergement de code"),
        ("https://webgate.acceptance.ec.europa.eu/x", "pré-production"),
        ("https://www.testing.lemoniteur.fr/x", "test ou de pré-production"),
        ("http://70.231.62.181/page", "adresse IP"),
    ],
)
def test_refused_pages(policy, url, reason):
    assert reason in policy.refusal(url)
    assert not policy.is_primary(url)  # an acceptance copy of europa.eu is not primary


@pytest.mark.parametrize(
    "content, message",
    [
        ({"primary": ["https://douane.gouv.fr"]}, "domaine principal mal écrit"),
        ({"primary": [], "refused": [{"domain": "x.com"}]}, "raison"),
        ({"primary": [], "refused": [{"domain": "x.com", "host_pattern": "x", "reason": "r"}]}, "soit"),
        ({"primary": [], "refused": [{"host_pattern": "(", "reason": "r"}]}, "expression régulière"),
        ({"primaire": []}, "clés"),
    ],
)
def test_malformed_policy(content, message):
    with pytest.raises(PolicyError, match=message):
        parse(content)


def test_malformed_policy_file_is_a_knowledge_error(knowledge_copy):
    (knowledge_copy / "source_policy.yml").write_text('primary: ["pas un domaine"]\n', encoding="utf-8")
    with pytest.raises(KnowledgeError, match="source_policy.yml.*domaine principal mal écrit"):
        read_knowledge(knowledge_copy)


def test_sources_carry_their_primary_flag_into_the_database(dataset):
    engine = store.make_engine("sqlite://")
    store.load(dataset, engine)
    records = store.read_records(engine)
    for kind, by_id in dataset.records.items():
        for rid, record in by_id.items():
            assert [s["primary"] for s in records[kind][rid]["sources"]] == [s["primary"] for s in record["sources"]]


def test_kb_check_refuses_a_refused_url_in_french(knowledge_copy, capsys):
    path = knowledge_copy / "sectors.yml"
    content = fast_yaml.load(path.read_text(encoding="utf-8"))
    rid = content["records"][0]["id"]
    content["records"][0]["sources"].append({"url": "https://www.calameo.com/read/000", "seen_on": "2026-12-06"})
    path.write_text(fast_yaml.dump(content), encoding="utf-8")
    assert cli.main(["--knowledge", str(knowledge_copy), "kb", "check"]) == 1
    err = capsys.readouterr().err
    assert "refusée" in err and f"fiche « {rid} »" in err and "https://www.calameo.com/read/000" in err
    assert "site de partage de documents" in err


def test_kb_check_passes_once_nothing_is_refused(knowledge_copy, capsys):
    (knowledge_copy / "source_policy.yml").write_text("primary: [gouv.fr]\nrefused: []\n", encoding="utf-8")
    assert cli.main(["--knowledge", str(knowledge_copy), "kb", "check"]) == 0
    assert "knowledge/ est valide" in capsys.readouterr().out


# --- the citation line --------------------------------------------------------------------


def _record(*sources, verified=dt.date(2026, 12, 6)):
    return {"verified_on": verified, "sources": list(sources)}


OFFICIAL = {"url": "https://www.douane.gouv.fr/a", "seen_on": dt.date(2026, 12, 6), "primary": True}
PRESS = {"url": "https://www.lemoci.com/b", "seen_on": dt.date(2026, 12, 6), "primary": False}


def _line(record: dict) -> str:
    return citations.render(citations.of_record(record))


def test_citation_without_page_date_is_as_before():
    expected = "Source : https://www.douane.gouv.fr/a (vérifié le 6 décembre 2026)"
    assert _line(_record(OFFICIAL)) == expected


def test_citation_gives_the_page_date():
    line = _line(_record(dict(OFFICIAL, page_date=dt.date(2025, 3, 3))))
    assert line == "Source : https://www.douane.gouv.fr/a (page du 3 mars 2025, vérifié le 6 décembre 2026)"
    line = _line(_record(dict(OFFICIAL, page_date=dt.date(2025, 3, 1)), PRESS))
    assert line == (
        "Sources : https://www.douane.gouv.fr/a (page du 1er mars 2025) ; https://www.lemoci.com/b "
        "(vérifié le 6 décembre 2026)"
    )


def test_citation_of_secondary_sources_only_is_attributed():
    line = _line(_record(PRESS))
    assert line.startswith("Source non officielle : https://www.lemoci.com/b")
    two = _line(_record(PRESS, dict(PRESS, url="https://www.lexportateur.com/c")))
    assert two.startswith("Sources non officielles : ")
    # One primary source is enough, and it is shown first.
    assert _line(_record(PRESS, OFFICIAL)).startswith("Sources : https://www.douane.gouv.fr/a ; ")


def test_a_record_shows_two_sources_and_carries_all_of_them():
    third = dict(OFFICIAL, url="https://www.douane.gouv.fr/c")
    built = citations.of_record(_record(PRESS, OFFICIAL, third))
    assert _line(_record(PRESS, OFFICIAL, third)) == (
        "Sources : https://www.douane.gouv.fr/a ; https://www.douane.gouv.fr/c (vérifié le 6 décembre 2026)"
        " — et 1 autre source"
    )
    assert built.as_json()["urls"] == ["https://www.douane.gouv.fr/a", "https://www.douane.gouv.fr/c", PRESS["url"]]
    assert built.as_json()["shown"] == 2


@pytest.mark.parametrize(
    "sources",
    [
        (OFFICIAL,),
        (PRESS,),
        (dict(OFFICIAL, page_date=dt.date(2025, 3, 3)),),
        (
            dict(PRESS, page_date=dt.date(2024, 1, 1)),
            dict(PRESS, url="https://x.example/y", page_date=dt.date(2023, 7, 14)),
        ),
        (dict(OFFICIAL, page_date=dt.date(2025, 3, 3)), PRESS),
        (PRESS, dict(OFFICIAL, page_date=dt.date(2025, 3, 3))),
    ],
)
def test_render_and_parse_agree(sources):
    record = _record(*sources)
    built = citations.of_record(record)
    parsed = citations.parse("Un fait.\n\n" + citations.render(built))
    assert parsed.body == "Un fait."
    assert parsed.citations == [built]


def test_citation_json_for_the_widget():
    built = citations.of_record(_record(dict(PRESS, page_date=dt.date(2025, 3, 3))))
    assert built.as_json()["official"] is False
    assert built.as_json()["page_labels"] == ["3 mars 2025"]


def test_every_answer_with_a_secondary_only_record_says_so(kb):
    secondary = [r for r in kb.all("programme") if not any(s["primary"] for s in r["sources"])]
    for record in secondary:
        text = replies.programme_details(kb, record["id"])[0]["text"]
        assert "non officielle" in text, record["id"]


# --- quality measures ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, bare",
    [
        ("https://www.bpifrance.fr", True),
        ("https://www.teamfrance-export.fr/", True),
        ("https://www.iledefrance.fr/fr/", True),
        ("https://trade.ec.europa.eu/access-to-markets/en/non-eu-markets", True),
        ("https://trade.ec.europa.eu/access-to-markets/fr/content/japon", False),
        ("https://www.bpifrance.fr/catalogue-offres/internationalisation/assurance-prospection", False),
    ],
)
def test_bare_contact(url, bare):
    assert quality.is_bare_contact(url) is bare


GENERIC_LIST = "https://trade.ec.europa.eu/access-to-markets/en/non-eu-markets"
AGREEMENT_PAGE = "https://trade.ec.europa.eu/access-to-markets/en/content/eu-vietnam-free-trade-agreement"
COUNTRY_PAGE = "https://entreprises.cci-paris-idf.fr/web/lexportateur/-/inde-exporter-investir-et-s-informer"


@pytest.mark.parametrize(
    "country, expected",
    [
        # Access2Markets gives only its list of markets: the deep country page stands instead.
        (
            {"access2markets_url": GENERIC_LIST, "country_page_url": COUNTRY_PAGE},
            ("country_page_url", COUNTRY_PAGE),
        ),
        # Access2Markets' own page about the agreement is deep: it stays the contact.
        (
            {"access2markets_url": AGREEMENT_PAGE, "country_page_url": COUNTRY_PAGE},
            ("access2markets_url", AGREEMENT_PAGE),
        ),
        ({"access2markets_url": GENERIC_LIST}, ("access2markets_url", GENERIC_LIST)),
        ({"country_page_url": COUNTRY_PAGE}, ("country_page_url", COUNTRY_PAGE)),
        ({}, None),
    ],
)
def test_a_country_contact_is_its_deepest_page(country, expected):
    assert quality.country_contact(country) == expected


def test_countries_with_a_deep_page_are_not_counted_bare(dataset):
    listed = {rid: (field, url) for kind, rid, field, url in quality.contacts(dataset) if kind == "country"}
    with_page = [rid for rid, c in dataset.records["country"].items() if c.get("country_page_url")]
    assert len(with_page) >= 15
    for rid in with_page:
        field, url = listed[rid]
        assert not quality.is_bare_contact(url), rid
        if quality.is_bare_contact(dataset.records["country"][rid]["access2markets_url"]):
            assert (field, url) == ("country_page_url", dataset.records["country"][rid]["country_page_url"])


def test_months_before():
    assert quality.months_before(dt.date(2026, 12, 6), 24) == dt.date(2024, 12, 6)
    assert quality.months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert quality.months_before(dt.date(2026, 1, 15), 13) == dt.date(2024, 12, 15)


def test_measure_counts_what_the_issue_asks(dataset):
    stats = quality.measure(dataset, dt.date(2026, 12, 6))
    assert stats["faq"]["count"] == len(dataset.records["faq"])
    assert sum(stats["faq"]["per_topic"].values()) + stats["faq"]["without_topic"] == stats["faq"]["count"]
    total = sum(len(r) for r in dataset.records.values())
    assert stats["primary_sources"]["records"] == total
    assert stats["refused_urls"] == len(dataset.refused_sources())
    assert 0 <= stats["bare_contacts"]["count"] <= stats["bare_contacts"]["contacts"]
    assert sum(stats["domains"].values()) == sum(
        len(r["sources"]) for by_id in dataset.records.values() for r in by_id.values()
    )
    json.dumps(stats, ensure_ascii=False)


def test_stale_lists_old_pages(dataset):
    records = dataset.records["sector"]
    rid = next(iter(records))
    records[rid]["sources"][0]["page_date"] = dt.date(2020, 5, 1)
    try:
        found = quality.stale_records(dataset, dt.date(2026, 12, 6), days=180, months=24)
        assert (dt.date(2020, 5, 1), "sector", rid, dataset.origins[("sector", rid)]) in found["pages"]
        assert found["page_limit"] == dt.date(2024, 12, 6)
        recent = quality.stale_records(dataset, dt.date(2020, 6, 1), days=180, months=24)
        assert all(entry[2] != rid for entry in recent["pages"])
    finally:
        del records[rid]["sources"][0]["page_date"]


def test_cli_stale_has_a_months_option(capsys):
    assert cli.main(["kb", "stale", "--days", "100000", "--months", "24"]) == 0
    out = capsys.readouterr().out
    assert "plus de 24 mois" in out and "sans date de page" in out


def test_the_first_source_of_a_record_is_its_official_page_when_it_has_one(dataset):
    """Replies show a record's first sources: an official page, when there is one, leads;
    a Région's map sources (about: departements) come last."""
    wrong = []
    for kind, records in dataset.records.items():
        for rid, record in records.items():
            sources = record["sources"]
            about_map = [s.get("about") == "departements" for s in sources]
            if about_map != sorted(about_map):
                wrong.append(f"{kind} {rid} : source de carte avant une source de contact")
            backing = [s for s in sources if s.get("about") != "departements"]
            if any(s["primary"] for s in backing) and not backing[0]["primary"]:
                wrong.append(f"{kind} {rid} : {backing[0]['url']} passe avant la page officielle")
    assert not wrong, "\n".join(wrong[:20])


def test_a_region_s_contacts_cite_the_pages_about_its_contacts_not_its_map(kb):
    for region in kb.all("region"):
        text = replies.adviser_contact(kb, region["id"])[0]["text"]
        cited = text.rsplit("\n\n", 1)[1]
        assert not [s["url"] for s in region["sources"] if s.get("about") == "departements" and s["url"] in cited]
        assert region["sources"][0]["url"] in cited
    with_departement = replies.region_support(kb, "bretagne", "29")[0]["text"].rsplit("\n\n", 1)[1]
    assert any(
        s["url"] in with_departement
        for s in kb.get("region", "bretagne")["sources"]
        if s.get("about") == "departements"
    )
