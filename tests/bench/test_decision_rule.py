"""The decision-rule bench (bench/decision_rule.py): its features, its threshold and its fit.
The cross-validation itself is the bench's job, on the dev set."""

from types import SimpleNamespace

import numpy as np
import pytest

from bench import decision_rule
from bot.core.ranker import LexicalRanker
from bot.knowledge import answer_units


@pytest.fixture(scope="module")
def features(dataset):
    ranker = LexicalRanker(answer_units.build(dataset.records), synonyms=dataset.editorial.query_synonyms)
    return decision_rule.Features(ranker)


def test_a_faq_question_as_written_covers_its_key_and_has_no_unknown_word(features, dataset):
    rid = next(iter(dataset.records["faq"]))
    got = features.of(dataset.records["faq"][rid]["question"])
    best = got["rows"][0]
    assert got["found"][0].unit.id == f"faq:{rid}"
    assert best["best_key_cover"] == pytest.approx(1.0)
    assert best["unknown_share"] == 0.0
    assert best["key_share"] == pytest.approx(best["coverage"])


def test_a_word_no_unit_contains_counts_as_unknown(features, dataset):
    question = dataset.records["faq"][next(iter(dataset.records["faq"]))]["question"]
    best = features.of(question + " zorglubien")["rows"][0]
    assert 0 < best["unknown_share"] < 1
    assert best["known_share"] == pytest.approx(1 - best["unknown_share"])


def test_nothing_matched_gives_no_rows(features):
    assert features.of("zzqx wvyk") == {"found": [], "rows": []}


def test_the_threshold_is_the_least_strict_that_abstains_enough():
    table = SimpleNamespace(answerable=np.array([False] * 5 + [True] * 3))
    score = np.array([0.1, 0.2, 0.3, 0.4, 0.9, 0.39, 0.41, 0.95])
    everything = np.arange(8)
    threshold = decision_rule.threshold_for(score, table, everything, 0.8)
    answers = score >= threshold
    assert (~answers[:5]).sum() == 4  # four of the five unanswerable: 0.8
    assert not answers[5] and answers[6] and answers[7]  # just above the fourth (0.4) is answered
    assert decision_rule.threshold_for(score, table, everything, 0.0) == -np.inf


def test_the_logistic_fit_orders_by_the_feature_that_predicts():
    rng = np.random.default_rng(0)
    signal, noise = rng.normal(size=200), rng.normal(size=200)
    y = (signal + 0.3 * rng.normal(size=200) > 0).astype(float)
    model = decision_rule.fit_logistic(np.column_stack([signal, noise]), y)
    weights = model[2]
    assert weights[1] > 1.0 and abs(weights[2]) < 0.5 * weights[1]
    scores = decision_rule.predict(model, np.column_stack([signal, noise]))
    assert decision_rule.auc(scores[y == 1], scores[y == 0]) > 0.9


def test_the_key_cover_rule_takes_the_best_covered_of_the_near_units():
    rows = [
        {"relative_score": 1.0, "best_key_cover": 0.4},
        {"relative_score": 0.9, "best_key_cover": 0.8},
        {"relative_score": 0.5, "best_key_cover": 1.0},
    ]
    assert decision_rule.key_cover_choice(rows, 0.8) == 1
    assert decision_rule.key_cover_choice(rows, 0.95) == 0
    rows[1]["best_key_cover"] = 0.4
    assert decision_rule.key_cover_choice(rows, 0.8) == 0  # ties keep the ranker's order
