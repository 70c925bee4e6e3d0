"""The dev set of real questions (bot/tools/dev_set.py): labels that point at real answer
units, key facts found in those units, and a split that does not move."""

import bisect
import difflib
from pathlib import Path
from types import SimpleNamespace as NS

import pytest

from bot.config import settings
from bot.core.text import fold
from bot.knowledge import answer_units
from bot.tools import dev_set, nlu_lint

DEV = Path(__file__).resolve().parents[1] / "dev" / "collected"


@pytest.fixture(scope="module")
def items():
    return dev_set.read(DEV)


@pytest.fixture(scope="module")
def units(dataset):
    return {u.id: u for u in answer_units.build(dataset.records)}


def test_every_label_names_an_existing_unit(items, units):
    unknown = {(i.id, u) for i in items for u in i.units if u not in units}
    assert not unknown


def test_a_key_fact_is_in_the_text_of_a_unit_it_goes_with(items, units):
    missing = [
        i.id
        for i in items
        if i.label == "answerable"
        and i.key_facts
        and not any(fold(f) in fold(units[u].text) for f in i.key_facts for u in i.units)
    ]
    assert not missing


def test_answerable_items_have_units_and_the_others_none(items):
    assert all(bool(i.units) == (i.label == "answerable") for i in items if i.kind != "compound")


def test_the_split_is_fixed_by_the_id_alone(items):
    item = next(i for i in items if i.split_key == i.id)
    moved = dev_set.Item(id=item.id, topic="autre", text="autre texte", label="unanswerable")
    assert moved.half == item.half
    halves = [i.half for i in items]
    assert 0.4 < halves.count("heldout") / len(halves) < 0.6


def test_a_compound_message_falls_in_the_half_of_the_questions_it_quotes():
    raws = [
        {"id": "x-2", "kind": "answerable", "text": "Comment trouver un agent ?"},
        {"id": "x-3", "kind": "answerable", "text": "Quel rôle pour la  FDA ?"},
        {"id": "x-4", "kind": "answerable", "text": "Une autre question ?"},
        {"id": "x-9", "kind": "compound", "text": "…", "questions": ["Comment trouver un agent ?"]},
        {"id": "x-1", "kind": "compound", "text": "…", "questions": ["Quel rôle pour la FDA ?", "Et ça ?"]},
        {
            "id": "x-5",
            "kind": "compound",
            "text": "…",
            "questions": ["Comment trouver un agent ?", "Quel rôle pour la FDA ?"],
        },
    ]
    keys = dev_set._split_keys(raws)
    assert {keys[i] for i in ("x-1", "x-2", "x-3", "x-5", "x-9")} == {"x-1"} and keys["x-4"] == "x-4"


def _training_phrasings(dataset) -> list:
    """Every NLU training example (annotations removed) and every FAQ question and variant."""
    out = [
        nlu_lint.plain_text(example)
        for path in sorted((settings.PROJECT_ROOT / "data" / "nlu").glob("*.yml"))
        for _, example in nlu_lint.examples(path)
    ]
    for faq in dataset.records["faq"].values():
        out.extend([faq["question"], *faq.get("variants", [])])
    return out


@pytest.mark.slow
def test_no_kept_question_is_a_near_copy_of_a_training_phrasing(items, dataset):
    """Issue #17: the dev set measures generalisation only if none of its phrasings is (almost)
    a training example or a FAQ key: difflib ratio < 0.9 on folded text."""
    keys = sorted({fold(t) for t in _training_phrasings(dataset)}, key=len)
    lengths = [len(k) for k in keys]
    near = []
    for item in items:
        text = fold(item.text)
        # ratio = 2·matches / (len a + len b) ≥ 0.9 needs shorter/longer ≥ 0.9/1.1 ≈ 0.82.
        lo, hi = (
            bisect.bisect_left(lengths, int(len(text) * 0.8)),
            bisect.bisect_right(lengths, int(len(text) * 1.25) + 1),
        )
        matcher = difflib.SequenceMatcher(None, "", text, autojunk=False)  # b: the question, cached
        for k in keys[lo:hi]:
            matcher.set_seq1(k)
            if matcher.real_quick_ratio() >= 0.9 and matcher.quick_ratio() >= 0.9 and matcher.ratio() >= 0.9:
                near.append((item.id, item.text, k))
                break
    assert not near


def test_decisions_are_scored_on_answerable_and_unanswerable_items_apart():
    def ranked(uid):
        return NS(unit=NS(id=uid))

    decisions = {
        "a": NS(kind="sure", best=[ranked("faq:a")]),
        "b": NS(kind="close", best=[ranked("faq:x"), ranked("faq:b")]),
        "c": NS(kind="sure", best=[ranked("faq:x")]),
        "d": NS(kind="none", best=[]),
        "e": NS(kind="none", best=[]),
        "f": NS(kind="sure", best=[ranked("faq:x")]),
        "g": NS(kind="likely", best=[ranked("faq:g"), ranked("faq:x")]),
        "h": NS(kind="likely", best=[ranked("faq:x"), ranked("faq:h")]),
    }
    ranker = NS(decide=lambda text: decisions[text])
    items = [dev_set.Item(id=t, topic="t", text=t, label="answerable", units=(f"faq:{t}",)) for t in "abcdgh"]
    items += [dev_set.Item(id=t, topic="t", text=t, label="unanswerable") for t in "ef"]
    # « likely » answers with its first unit: g is right, h (right unit second) is wrong.
    assert dev_set.score_decisions(ranker, items) == {
        "answerable": 6,
        "sure_right": 0.167,
        "likely_right": 0.167,
        "close_right": 0.167,
        "wrong": 0.333,
        "none": 0.167,
        "sure_precision": 0.333,
        "unanswerable": 2,
        "abstention": 0.5,
    }
