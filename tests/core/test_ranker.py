"""The lexical ranker over answer units (bot/core/ranker.py), on the real knowledge base."""

import pytest

from bot.core.ranker import LexicalRanker, stem, terms
from bot.knowledge import answer_units


@pytest.fixture(scope="module")
def ranker(dataset):
    return LexicalRanker(answer_units.build(dataset.records))


def test_inflections_meet_on_one_stem():
    assert stem("déclarations".replace("é", "e")) == stem("declaration")
    assert terms("Les normes CE") == terms("la norme ce")


def test_a_faq_question_asked_as_written_finds_its_entry(ranker, dataset):
    for rid in list(dataset.records["faq"])[::40]:
        best = ranker.rank(dataset.records["faq"][rid]["question"], 1)[0]
        assert best.unit.id == f"faq:{rid}"
        assert best.confidence == 1.0


def test_a_regional_question_finds_the_region_s_contacts(ranker):
    ids = [r.unit.id for r in ranker.rank("qui contacter en Pays de la Loire pour exporter ?", 3)]
    assert "region:pays-de-la-loire:contacts" in ids


def test_words_unknown_to_the_knowledge_base_give_nothing(ranker):
    assert ranker.rank("bonjour merci") == []
    assert ranker.rank("zzqx wvyk") == []
