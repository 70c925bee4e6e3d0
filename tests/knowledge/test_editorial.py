"""knowledge/editorial.yml: the featured lists and the overviews' groups are validated like
the records (every id must exist), loaded with them, and read from the snapshot; the
synonyms users write (`query_synonyms`) are well-formed and mean words of the knowledge base."""

from __future__ import annotations

import shutil

import pytest
import yaml

from bot.config import settings
from bot.core import replies
from bot.core.advice import render
from bot.core.ranker import terms
from bot.core.text import words
from bot.knowledge import answer_units, store
from bot.knowledge.editorial import EDITORIAL_FILE, Editorial, EditorialError, parse
from bot.knowledge.validation import KnowledgeError, read_knowledge


@pytest.fixture
def knowledge_copy(tmp_path):
    root = tmp_path / "knowledge"
    shutil.copytree(settings.KNOWLEDGE_DIR, root)
    return root


def _edit(root, change):
    path = root / EDITORIAL_FILE
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(content)
    path.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _problems(root) -> list:
    with pytest.raises(KnowledgeError) as error:
        read_knowledge(root)
    return [str(p) for p in error.value.problems]


def test_an_unknown_id_fails_validation_naming_the_file_the_list_and_the_id(knowledge_copy):
    _edit(knowledge_copy, lambda content: content["featured_programmes"].append("zorglub"))
    assert _problems(knowledge_copy) == [
        "knowledge/editorial.yml : liste « featured_programmes » : référence inconnue : programme « zorglub »"
    ]


@pytest.mark.parametrize(
    "name, kind", [("featured_countries", "country"), ("need_choices", "obstacle"), ("featured_sectors", "sector")]
)
def test_each_list_checks_the_kind_it_names(knowledge_copy, name, kind):
    # « vie » is a programme: no list but the programmes' may name it.
    _edit(knowledge_copy, lambda content: content[name].append("vie"))
    assert _problems(knowledge_copy) == [
        f"knowledge/editorial.yml : liste « {name} » : référence inconnue : {kind} « vie »"
    ]


def test_the_overviews_ids_are_checked_too(knowledge_copy):
    def change(content):
        content["overview_needs"][0]["obstacle"] = "inconnu"
        content["financing_groups"][1]["programmes"].insert(0, "fantome")

    _edit(knowledge_copy, change)
    assert _problems(knowledge_copy) == [
        "knowledge/editorial.yml : liste « overview_needs » : référence inconnue : obstacle « inconnu »",
        "knowledge/editorial.yml : liste « financing_groups » : référence inconnue : programme « fantome »",
    ]


def test_a_malformed_file_lists_every_problem_in_french(knowledge_copy):
    def change(content):
        content["featured_programme"] = content.pop("featured_programmes")
        content["featured_regions"].append("Bretagne")
        content["featured_countries"].append("de")
        content["overview_needs"].append({"obstacle": "normes"})

    _edit(knowledge_copy, change)
    problems = _problems(knowledge_copy)
    assert "knowledge/editorial.yml : liste « featured_programme » : liste inconnue (faute de frappe ?)" in problems
    assert "knowledge/editorial.yml : liste « featured_programmes » : liste obligatoire manquante" in problems
    assert any("featured_regions" in p and "identifiant mal écrit : 'Bretagne'" in p for p in problems)
    assert any("featured_countries" in p and "identifiant répété : « de »" in p for p in problems)
    assert any("overview_needs" in p and "élément 5 : un objet {obstacle, label}" in p for p in problems)


def test_the_file_must_say_its_kind():
    with pytest.raises(EditorialError, match="kind: editorial"):
        parse({"featured_programmes": []})


def test_a_knowledge_folder_without_the_file_has_no_featured_lists(knowledge_copy):
    (knowledge_copy / EDITORIAL_FILE).unlink()
    assert read_knowledge(knowledge_copy).editorial == Editorial()


def test_the_lists_reach_the_snapshot_unchanged(dataset, engine, kb):
    store.load(dataset, engine)
    assert store.read_editorial(engine) == dataset.editorial
    assert kb.editorial == dataset.editorial
    assert parse(dict(dataset.editorial.to_content(), kind="editorial")) == dataset.editorial


def test_answers_follow_the_file(kb):
    """Order and groups as the file writes them."""
    editorial = kb.editorial
    buttons = replies.which_programme(kb)[0]["buttons"]
    assert [b["payload"] for b in buttons] == [
        replies.payload("ask_programme", programme=p) for p in editorial.featured_programmes
    ]
    assert [b["title"] for b in replies.which_country(kb)[0]["buttons"]] == [
        kb.name("country", c) for c in editorial.featured_countries
    ]
    assert [b["title"] for b in render.need_question(kb)[0]["buttons"]] == [
        kb.name("obstacle", o) for o in editorial.need_choices
    ]
    text = replies.financing_overview(kb)[0]["text"]
    titles = [title for title, _ in editorial.financing_groups]
    assert [text.index(f"{title} :") for title in titles] == sorted(text.index(f"{title} :") for title in titles)
    assert [b["title"] for b in replies.support_overview(kb)[0]["buttons"]] == [
        kb.name("obstacle", o) for o, _ in editorial.overview_needs
    ]


def test_every_query_synonym_is_well_formed_and_means_words_of_the_knowledge_base(dataset):
    """knowledge/editorial.yml's `query_synonyms`: each entry a meaning and wordings with
    words, no wording in two entries nor equal to its meaning, and a meaning written in words
    some answer unit contains (else the ranker could do nothing with it)."""
    synonyms = dataset.editorial.query_synonyms
    assert synonyms
    known = {t for u in answer_units.build(dataset.records) for t in terms(" ".join([u.title, *u.keys, u.text]))}
    seen = set()
    for wordings, means in synonyms:
        assert words(means) and wordings, means
        for wording in wordings:
            folded = tuple(words(wording))
            assert folded and folded != tuple(words(means)), wording
            assert folded not in seen, wording
            seen.add(folded)
        assert set(terms(means)) <= known, means


def test_a_malformed_synonym_list_lists_every_problem_in_french():
    content = dict(
        Editorial().to_content(),
        kind="editorial",
        query_synonyms=[
            {"means": "crédit documentaire", "words": ["credoc", "LC"]},
            {"means": "", "words": ["x"]},
            {"means": "remise documentaire", "words": []},
            {"means": "lettre de crédit", "words": ["lc", "Lettre de crédit", "?"]},
            {"words": ["AP"]},
        ],
    )
    with pytest.raises(EditorialError) as error:
        parse(content)
    assert [message for name, message in error.value.problems if name == "query_synonyms"] == [
        "élément 5 : un objet {means, words} est attendu",
        "élément 2 : le sens (« means ») est obligatoire",
        "élément 3 : une liste non vide de mots (« words ») est attendue",
        "élément 4 : « lc » est déjà à l'élément 1",
        "élément 4 : « Lettre de crédit » est le sens lui-même",
        "élément 4 : mot vide : '?'",
    ]


def test_the_synonym_list_may_be_left_out(knowledge_copy):
    _edit(knowledge_copy, lambda content: content.pop("query_synonyms"))
    assert read_knowledge(knowledge_copy).editorial.query_synonyms == ()
