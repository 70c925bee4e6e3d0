"""The country market pointers (`origin_proof`, `business_france`) are validated like the
other fields: a wrong value is refused with a French message naming the file, the record
and the field, and a valid value survives the trip through the database."""

from __future__ import annotations

import shutil

import pytest

from bot.config import settings
from bot.knowledge import store
from bot.knowledge.validation import KnowledgeError, read_knowledge
from tests.support import fast_yaml


def _country_files():
    return [
        path
        for path in sorted(settings.KNOWLEDGE_DIR.glob("*.yml"))
        if fast_yaml.load(path.read_text(encoding="utf-8")).get("kind") == "country"
    ]


@pytest.fixture
def countries_copy(tmp_path):
    """Only the country files: countries reference no other kind, so they validate alone."""
    root = tmp_path / "knowledge"
    root.mkdir()
    for path in _country_files():
        shutil.copy(path, root / path.name)
    return root


def _edit(root, record_id, change):
    for path in sorted(root.glob("*.yml")):
        content = fast_yaml.load(path.read_text(encoding="utf-8"))
        for record in content["records"]:
            if record["id"] == record_id:
                change(record)
                path.write_text(fast_yaml.dump(content), encoding="utf-8")
                return path.name
    raise AssertionError(f"pays « {record_id} » introuvable")


def _set(field, value):
    def change(record):
        record[field] = value

    return change


def _drop_from(field, key):
    def change(record):
        del record[field][key]

    return change


def _drop_from_record(field):
    def change(record):
        del record[field]

    return change


INVALID_CASES = {
    "business_france n'est pas un objet": (
        "no",
        _set("business_france", "oui"),
        "business_france",
        "un objet avec les clés present, detail est attendu",
    ),
    "present n'est pas un booléen": (
        "no",
        _set("business_france", {"present": "oui", "detail": "Bureau à Oslo."}),
        "business_france",
        "present : true ou false attendu",
    ),
    "detail manquant": (
        "no",
        _drop_from("business_france", "detail"),
        "business_france",
        "la clé « detail » est requise",
    ),
    "clé inconnue": (
        "no",
        _set("business_france", {"present": True, "detail": "Bureau à Oslo.", "ville": "Oslo"}),
        "business_france",
        "clé(s) inconnue(s) : ville",
    ),
    "detail trop long": (
        "no",
        _set("business_france", {"present": True, "detail": "x" * 201}),
        "business_france",
        "detail : texte trop long (201 caractères, 200 au plus)",
    ),
    "page pays sans titre": (
        "in",
        _drop_from_record("country_page_title"),
        "country_page_title",
        "country_page_url et country_page_title ensemble",
    ),
    "page pays absente des sources": (
        "in",
        _set("country_page_url", "https://entreprises.cci-paris-idf.fr/web/lexportateur/-/chine-exporter"),
        "country_page_url",
        "la page pays doit aussi figurer dans les sources de la fiche",
    ),
    "titre de page pays trop long": (
        "in",
        _set("country_page_title", "z" * 81),
        "country_page_title",
        "texte trop long (81 caractères, 80 au plus)",
    ),
    "preuve d'origine trop longue": (
        "no",
        _set("origin_proof", "y" * 301),
        "origin_proof",
        "texte trop long (301 caractères, 300 au plus)",
    ),
    "preuve d'origine pour un État membre": (
        "de",
        _set("origin_proof", "Certificat EUR.1."),
        "origin_proof",
        "une preuve d'origine préférentielle suppose un accord commercial avec l'UE",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID_CASES))
def test_bad_country_pointer_is_refused_in_french(case, countries_copy):
    record_id, change, field, expected = INVALID_CASES[case]
    file_name = _edit(countries_copy, record_id, change)
    with pytest.raises(KnowledgeError) as error:
        read_knowledge(countries_copy)
    matching = [p for p in error.value.problems if p.field == field and expected in p.message]
    assert matching, str(error.value)
    assert matching[0].path.endswith(file_name)
    assert matching[0].record_id == record_id


def test_country_pointers_survive_the_database(countries_copy):
    dataset = read_knowledge(countries_copy)
    countries = dataset.records["country"]
    with_pointers = [
        rid for rid, record in countries.items() if "origin_proof" in record and "business_france" in record
    ]
    assert with_pointers, "aucun pays n'a les deux champs"
    engine = store.make_engine("sqlite://")
    store.load(dataset, engine)
    read_back = store.read_records(engine)["country"]
    for rid in with_pointers:
        assert read_back[rid]["origin_proof"] == countries[rid]["origin_proof"]
        assert read_back[rid]["business_france"] == countries[rid]["business_france"]
    with_page = [rid for rid, record in countries.items() if "country_page_url" in record]
    assert with_page, "aucun pays n'a de page pays"
    for rid in with_page:
        assert read_back[rid]["country_page_url"] == countries[rid]["country_page_url"]
        assert read_back[rid]["country_page_title"] == countries[rid]["country_page_title"]
    closed = [rid for rid, record in countries.items() if record.get("business_france", {}).get("present") is False]
    for rid in closed:
        assert read_back[rid]["business_france"]["present"] is False
