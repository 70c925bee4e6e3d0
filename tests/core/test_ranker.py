"""The lexical ranker over answer units (bot/core/ranker.py), on the real knowledge base."""

import pytest

from bot.core.ranker import CLOSE, CLOSE_MARGIN, LIKELY, SURE, LexicalRanker, stem, terms
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


@pytest.fixture(scope="module")
def units(dataset):
    return answer_units.build(dataset.records)


@pytest.fixture(scope="module")
def with_synonyms(units, dataset):
    return LexicalRanker(units, synonyms=dataset.editorial.query_synonyms)


def test_dotted_acronyms_are_one_word():
    assert terms("le V.I.E à l'étranger") == terms("le VIE a l'etranger")


def test_a_wording_of_the_synonym_list_finds_what_it_means(units, with_synonyms):
    # « remdoc » is in no FAQ entry: only the synonym list leads it to the remise documentaire.
    question = "Une remdoc, comment ça marche ?"
    assert with_synonyms.rank(question, 1)[0].unit.id == "faq:remise-documentaire"
    assert LexicalRanker(units).rank(question, 1)[0].unit.id != "faq:remise-documentaire"


def test_a_question_naming_only_a_record_gets_its_summary_before_its_parts(with_synonyms, dataset):
    """The record's names count less in its parts (pieces of advice, aspects) than in its
    summary or presentation."""
    for kind in ("programme", "obstacle"):
        for rid, record in dataset.records[kind].items():
            own = [r.unit for r in with_synonyms.rank(record["name"], 100) if r.unit.record_id == rid]
            assert own[0].aspect in ("", "presentation"), own[0].id


def _record(ranked):
    return ranked.unit.kind, ranked.unit.record_id


def test_decide_is_sure_of_a_faq_question_asked_as_written(with_synonyms, dataset):
    for rid in list(dataset.records["faq"])[::20]:
        decision = with_synonyms.decide(dataset.records["faq"][rid]["question"])
        assert decision.kind == "sure", rid
        assert [r.unit.id for r in decision.best] == [f"faq:{rid}"]
        assert SURE <= decision.certainty <= 1


@pytest.mark.parametrize(
    "question",
    ["recette de la tarte aux pommes", "zzqx wvyk", "bonjour merci", "Quelle est la capitale de l'Australie ?"],
)
def test_decide_finds_nothing_reliable_outside_the_knowledge_base(with_synonyms, question):
    decision = with_synonyms.decide(question)
    assert (decision.kind, decision.best) == ("none", [])
    assert decision.certainty < CLOSE


def test_decide_offers_the_two_best_records_when_they_are_close(with_synonyms):
    """Two FAQ entries score alike: the user chooses."""
    question = "l'assurance prospection, c'est pour qui ?"
    decision = with_synonyms.decide(question)
    assert decision.kind == "close"
    first, second = decision.best
    assert _record(first) != _record(second)
    ranked = with_synonyms.rank(question, 30)
    assert first == ranked[0]
    assert second == next(r for r in ranked if _record(r) != _record(first))
    assert decision.margin < 0.1


def test_decide_follows_its_thresholds(with_synonyms, dataset):
    questions = [f["question"] for f in list(dataset.records["faq"].values())[::25]] + [
        "Comment trouver un distributeur ?",
        "risque de change",
        "carnet ATA",
        "Quelles aides pour exporter ?",
        "Comment payer moins de droits de douane ?",
    ]
    for question in questions:
        decision = with_synonyms.decide(question)
        assert 0 <= decision.certainty <= 1
        certainty = decision.certainty
        expected = (
            "sure"
            if certainty >= SURE
            else "likely"
            if certainty >= LIKELY or (certainty >= CLOSE and decision.margin >= CLOSE_MARGIN)
            else "close"
            if certainty >= CLOSE
            else "none"
        )
        assert decision.kind == expected
        assert len(decision.best) == {"sure": 1, "likely": 2, "close": 2, "none": 0}[decision.kind]
        if decision.best:
            assert decision.best[0] == with_synonyms.rank(question, 1)[0]


def test_below_likely_a_clear_lead_is_answered_and_only_real_ties_are_offered_as_a_choice(with_synonyms, dataset):
    """In the band between CLOSE and LIKELY, the best unit is answered when it leads the other
    record's by CLOSE_MARGIN; the user chooses only between records that score alike."""
    questions = [" ".join(f["question"].split()[:4]) for f in dataset.records["faq"].values()]
    band = [d for d in map(with_synonyms.decide, questions) if CLOSE <= d.certainty < LIKELY]
    assert {d.kind for d in band} == {"likely", "close"}
    for decision in band:
        assert (decision.kind == "likely") == (decision.margin >= CLOSE_MARGIN)
