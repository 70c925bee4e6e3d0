"""The gates of issue #17, measured through the running assistant on the held-out half of the
development set of real questions (tests/dev/): each question in a conversation of its own,
the reply read back from the tracker (bot/tools/dev_eval.py).

Two levels. FLOORS sit just under what the held-out half reached at the last measure:
falling below one is a regression and fails. TARGETS are the issue's gates; the test
that asserts them is a strict expected failure until they are reached, so that reaching them
fails it and the floors get raised."""

from __future__ import annotations

import pytest

from bot.rasa_client import RasaClient
from bot.tools import dev_eval, dev_set
from tests.integration.conftest import RASA_TOKEN

# Held-out half on 7 December 2026, evening (docs/nlu.md, bench/results/devset-20261207-191119.json;
# 305 answerable questions after parts f–j): top-1 0.407, key fact 0.452, honest 0.769, compound
# questions answered 0.340, profile F1 0.704, right unit among the honest reply's buttons 0.418;
# each floor about 0.04 to 0.09 below, for the spread between two trainings of the model.
FLOORS = {"top1": 0.37, "key_fact": 0.41, "honest": 0.72, "answered": 0.29, "profile_f1": 0.66, "one_tap": 0.36}
TARGETS = {"top1": 0.85, "key_fact": 0.85, "honest": 0.80, "answered": 0.80, "profile_f1": 0.90}


@pytest.fixture(scope="module")
def report(rasa_server):
    items = dev_set.read(dev_eval.DEV)
    figures = dev_eval.measure(RasaClient(rasa_server.url, RASA_TOKEN), items)
    print("\n" + dev_eval.summary(figures))
    return figures


def _below(figures: dict, bounds: dict) -> dict:
    """The figures under their bound (single questions, and compound messages)."""
    found = {**figures, **figures["compound"]}
    return {name: (found[name], bound) for name, bound in bounds.items() if (found[name] or 0) < bound}


def test_both_halves_are_measured_on_enough_questions(report):
    for half in dev_set.HALVES:
        assert report[half]["answerable"] >= 150 and report[half]["unanswerable"] >= 70, report[half]
    # Part d's composed compound messages form one group, in the held-out half (tests/dev/README.md).
    assert report["heldout"]["compound"]["questions"] >= 60


def test_the_held_out_half_holds_its_floors(report):
    assert not _below(report["heldout"], FLOORS), dev_eval.summary(report)


@pytest.mark.xfail(strict=True, reason="issue #17 : cibles pas encore atteintes (docs/nlu.md)")
def test_the_held_out_half_reaches_the_targets_of_issue_17(report):
    assert not _below(report["heldout"], TARGETS), dev_eval.summary(report)
