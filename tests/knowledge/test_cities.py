"""Cities place a company: « on est à Lyon » is the Rhône, in Auvergne-Rhône-Alpes."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy.orm import Session

from bot.config import settings
from bot.core.advice.company import parse_place
from bot.core.text import key
from bot.knowledge import store
from bot.knowledge.snapshot import KnowledgeBase
from bot.knowledge.validation import KnowledgeError, read_knowledge
from tests.support import fast_yaml


def _departements(dataset):
    return {d["code"]: d for region in dataset.records["region"].values() for d in region["departements"]}


# --- the data ------------------------------------------------------------------------------


def test_every_departement_has_at_least_its_chef_lieu(dataset):
    departements = _departements(dataset)
    assert len(departements) == 101
    assert all(d.get("cities") for d in departements.values()), [
        c for c, d in departements.items() if not d.get("cities")
    ]


@pytest.mark.parametrize(
    "code, first",
    [
        ("69", "Lyon"),
        ("42", "Saint-Étienne"),
        ("44", "Nantes"),
        ("13", "Marseille"),
        ("75", "Paris"),
        ("2A", "Ajaccio"),
        ("974", "Saint-Denis"),
        ("976", "Mamoudzou"),
    ],
)
def test_the_chef_lieu_comes_first(dataset, code, first):
    assert _departements(dataset)[code]["cities"][0] == first


def test_large_cities_are_listed_with_their_departement(dataset):
    departements = _departements(dataset)
    assert {"Villeurbanne", "Vénissieux"} <= set(departements["69"]["cities"])
    assert "Saint-Nazaire" in departements["44"]["cities"]
    assert "Aix-en-Provence" in departements["13"]["cities"]


def test_saint_denis_is_la_reunion_only(dataset):
    owners = [
        code for code, d in _departements(dataset).items() if any(key(c) == "saintdenis" for c in d.get("cities", []))
    ]
    assert owners == ["974"]


# --- the snapshot ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, code, region",
    [
        ("Lyon", "69", "auvergne-rhone-alpes"),
        ("saint etienne", "42", "auvergne-rhone-alpes"),
        ("Nantes", "44", "pays-de-la-loire"),
        ("MARSEILLE", "13", "provence-alpes-cote-d-azur"),
        ("Pau", "64", "nouvelle-aquitaine"),
        ("Saint-Denis", "974", "la-reunion"),
        # Names and numbers as before.
        ("Gironde", "33", "nouvelle-aquitaine"),
        ("2a", "2A", "corse"),
        ("1", "01", "auvergne-rhone-alpes"),
        ("Paris", "75", "ile-de-france"),
    ],
)
def test_a_city_resolves_to_its_departement_and_region(kb, text, code, region):
    assert kb.resolve_departement(text) == code
    assert kb.departement(code)["region"] == region


@pytest.mark.parametrize(
    "text, expected",
    [
        ("on est à Lyon", ["69"]),
        ("près de Saint-Étienne", ["42"]),
        ("nous sommes installés à Villeurbanne", ["69"]),
        ("une PME de Cherbourg-en-Cotentin", ["50"]),
        ("on est à Metz", ["57"]),
        ("dans le 33 à Bordeaux", ["33"]),
        # The longest name wins and takes its words: not the Marne, not La Réunion, not the Loire.
        ("à Champigny-sur-Marne", ["94"]),
        ("en Seine-Saint-Denis", ["93"]),
        ("on est en Loire-Atlantique", ["44"]),
        # Numbers first, then names, longest first.
        ("dans le 69, pas à Nantes", ["69", "44"]),
        # Three-letter cities are ordinary syllables: only resolved when typed alone.
        ("on est à Pau", []),
        # A city named like an ordinary word needs « à », « près de »…
        ("nous fabriquons des vannes industrielles", []),
        ("nous sommes basés à Vannes", ["56"]),
        ("deux tours de table", []),
        ("on est près de Tours", ["37"]),
        ("une PME de 25 salariés", []),
    ],
)
def test_a_city_in_a_sentence_is_found(kb, text, expected):
    assert kb.departements_in_text(text) == expected


def test_parse_place_understands_a_city(kb):
    assert parse_place(kb, "près de Nantes", "près de Nantes") == ("pays-de-la-loire", "44")
    assert parse_place(kb, None, "Lyon") == ("auvergne-rhone-alpes", "69")
    assert parse_place(kb, "on est à Saint-Étienne", None) == ("auvergne-rhone-alpes", "42")


# --- validation ----------------------------------------------------------------------------


@pytest.fixture
def knowledge_copy(tmp_path):
    root = tmp_path / "knowledge"
    shutil.copytree(settings.KNOWLEDGE_DIR, root)
    return root


def _edit_departement(root, code, change):
    for path in sorted(root.glob("*.yml")):
        content = fast_yaml.load(path.read_text(encoding="utf-8"))
        if content["kind"] != "region":
            continue
        for record in content["records"]:
            for dep in record["departements"]:
                if dep["code"] == code:
                    change(dep)
                    path.write_text(fast_yaml.dump(content), encoding="utf-8")
                    return path.name, record["id"]
    raise AssertionError(f"département {code} introuvable")


def test_a_city_in_two_departements_is_refused_in_french(knowledge_copy):
    file_name, rid = _edit_departement(knowledge_copy, "93", lambda dep: dep["cities"].append("Saint-Denis"))
    with pytest.raises(KnowledgeError) as error:
        read_knowledge(knowledge_copy)
    problems = [p for p in error.value.problems if p.field == "departements" and "Saint-Denis" in p.message]
    assert len(problems) == 1, str(error.value)
    problem = problems[0]
    assert problem.path.endswith(file_name)
    assert "deux départements" in problem.message
    assert "974 (La Réunion" in problem.message and "93 (Seine-Saint-Denis" in problem.message
    assert problem.record_id in ("ile-de-france", "la-reunion")


def test_a_city_spelt_differently_is_still_the_same_city(knowledge_copy):
    _edit_departement(knowledge_copy, "13", lambda dep: dep["cities"].append("lyon"))
    with pytest.raises(KnowledgeError) as error:
        read_knowledge(knowledge_copy)
    assert any(
        "« lyon »" in p.message and "69 (Rhône" in p.message and "13 (Bouches-du-Rhône" in p.message
        for p in error.value.problems
    ), str(error.value)


def test_a_city_listed_twice_in_one_departement_is_refused(knowledge_copy):
    _edit_departement(knowledge_copy, "69", lambda dep: dep["cities"].append("Lyon"))
    with pytest.raises(KnowledgeError) as error:
        read_knowledge(knowledge_copy)
    assert any("figure deux fois" in p.message for p in error.value.problems), str(error.value)


@pytest.mark.parametrize(
    "cities, expected", [([""], "texte non vide"), (["Lyon", 3], "texte non vide"), ("Lyon", "liste de textes")]
)
def test_cities_must_be_a_list_of_names(knowledge_copy, cities, expected):
    _edit_departement(knowledge_copy, "69", lambda dep: dep.update(cities=cities))
    with pytest.raises(KnowledgeError) as error:
        read_knowledge(knowledge_copy)
    assert any(p.field == "departements" and expected in p.message for p in error.value.problems), str(error.value)


def test_cities_are_optional(knowledge_copy):
    _edit_departement(knowledge_copy, "69", lambda dep: dep.pop("cities"))
    dataset = read_knowledge(knowledge_copy)
    assert "cities" not in _departements(dataset)["69"]


# --- the database --------------------------------------------------------------------------


def test_cities_survive_the_database_round_trip(dataset, engine):
    store.load(dataset, engine)
    records = store.read_records(engine)
    expected = {code: d["cities"] for code, d in _departements(dataset).items()}
    read_back = {d["code"]: d.get("cities") for r in records["region"].values() for d in r["departements"]}
    assert read_back == expected
    kb = KnowledgeBase(records)
    assert kb.resolve_departement("Villeurbanne") == "69"
    assert kb.departements_in_text("près de Saint-Nazaire") == ["44"]


def test_a_database_loaded_by_older_code_asks_for_a_reload(dataset, tmp_path):
    engine = store.make_engine(f"sqlite:///{tmp_path / 'kb.db'}")
    store.load(dataset, engine)
    with Session(engine, future=True) as session, session.begin():
        session.get(store.Meta, "schema").value = "ancien-schema"
    with pytest.raises(store.DatabaseUnavailable, match="relancez « python -m bot kb load »"):
        store.read_records(engine)
    engine.dispose()


# --- places named otherwise: foreign cities, adjectives, areas and demonyms ----------------


@pytest.mark.parametrize(
    "text, country",
    [
        ("une filiale à Montréal", "ca"),
        ("une mission à New York", "us"),
        ("un client à Zaporijia", "ua"),
        ("un client ukrainien", "ua"),
        ("une importatrice japonaise", "jp"),
        ("des partenaires chinois", "cn"),
        ("des distributrices sud-coréennes", "kr"),
        ("un salon à Milan", "it"),
    ],
)
def test_a_foreign_city_or_any_form_of_the_adjective_names_its_country(kb, text, country):
    assert kb.mentioned("country", text) == [country]


def test_a_foreign_city_is_no_french_place(kb):
    # The validation keeps Valence (Drôme) and Vienne out of Spain's and Austria's cities.
    assert kb.mentioned("country", "nous sommes à Valence") == []
    assert kb.departements_in_text("une filiale à Montréal") == []


@pytest.mark.parametrize(
    "text, expected",
    [
        # Sous-préfectures and towns.
        ("près d'Armentières", ["59"]),
        ("à Brive-la-Gaillarde", ["19"]),
        ("jeune vigneron installé à Patrimonio", ["2B"]),
        # Historical areas and demonyms that lie in one département.
        ("notre groupe familial du Quercy", ["46"]),
        ("les Monts du Lyonnais", ["69"]),
        ("une entreprise martiniquaise", ["972"]),
        ("des chefs d'entreprise vendéens", ["85"]),
        # Short département names, only where they place the company.
        ("une société du Nord", ["59"]),
        ("nous sommes dans le Lot", ["46"]),
        ("nous visons l'Amérique du Nord", []),
        ("une usine dans le nord de l'Italie", []),
        ("on est dans le Lot-et-Garonne", ["47"]),
        # Names that are wines or ordinary words need a word that places.
        ("nous exportons du beaujolais", []),
        ("un domaine du Beaujolais", ["69"]),
        ("nous vendons du cognac", []),
        ("installés à Cognac", ["16"]),
        ("des sacs lourdes", []),
        ("un hôtel à Lourdes", ["65"]),
    ],
)
def test_a_town_or_an_area_in_a_sentence_is_found(kb, text, expected):
    assert kb.departements_in_text(text) == expected


@pytest.mark.parametrize(
    "text, place",
    [
        ("notre domaine alsacien", ("grand-est", None)),
        ("une PME bretonne", ("bretagne", None)),
        ("nos spécialités corses", ("corse", None)),
        ("en Sologne", ("centre-val-de-loire", None)),
        ("notre groupe du Quercy", ("occitanie", "46")),
        ("une société du Nord", ("hauts-de-france", "59")),
    ],
)
def test_parse_place_understands_an_area_and_a_demonym(kb, text, place):
    assert parse_place(kb, text, text) == place


def _edit_country(root, rid, change):
    path = root / "countries.yml"
    content = fast_yaml.load(path.read_text(encoding="utf-8"))
    change(next(record for record in content["records"] if record["id"] == rid))
    path.write_text(fast_yaml.dump(content), encoding="utf-8")


def test_a_city_naming_two_countries_is_refused(knowledge_copy):
    _edit_country(knowledge_copy, "us", lambda record: record["cities"].append("Montréal"))
    with pytest.raises(KnowledgeError) as error:
        read_knowledge(knowledge_copy)
    problems = [p for p in error.value.problems if p.field == "cities" and "la ville « Montréal »" in p.message]
    assert len(problems) == 1, str(error.value)
    # Whichever of the two the file lists first keeps the city; the other is refused.
    assert {problems[0].record_id, problems[0].message.split("« ")[-1].rstrip(" »")} == {"us", "ca"}


def test_a_foreign_city_named_like_a_french_place_is_refused(knowledge_copy):
    _edit_country(knowledge_copy, "es", lambda record: record["cities"].append("Valence"))
    with pytest.raises(KnowledgeError) as error:
        read_knowledge(knowledge_copy)
    assert any(
        p.record_id == "es"
        and p.field == "cities"
        and "« Valence » est aussi un lieu français : Valence (26)" in p.message
        for p in error.value.problems
    ), str(error.value)


def test_an_area_in_two_departements_or_also_a_region_alias_is_refused(knowledge_copy):
    _edit_departement(knowledge_copy, "82", lambda dep: dep.update(areas=["Quercy"]))
    _edit_departement(knowledge_copy, "67", lambda dep: dep.update(areas=["alsacien"]))
    with pytest.raises(KnowledgeError) as error:
        read_knowledge(knowledge_copy)
    messages = [p.message for p in error.value.problems]
    assert any("le nom « Quercy » ne peut pas appartenir à deux départements" in m for m in messages), messages
    assert any("« alsacien » (département 67) nomme déjà la Région « grand-est »" in m for m in messages), messages


def test_areas_adjectives_and_cities_survive_the_database_round_trip(dataset, engine):
    store.load(dataset, engine)
    records = store.read_records(engine)
    lot = next(d for d in records["region"]["occitanie"]["departements"] if d["code"] == "46")
    assert "Quercy" in lot["areas"]
    assert "Montréal" in records["country"]["ca"]["cities"]
    assert "ukrainienne" in records["country"]["ua"]["adjectives"]
    kb = KnowledgeBase(records)
    assert kb.departements_in_text("notre groupe du Quercy") == ["46"]
    assert kb.mentioned("country", "un client à Zaporijia") == ["ua"]
