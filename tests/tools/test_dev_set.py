"""The dev set of real questions (bot/tools/dev_set.py): labels that point at real answer
units, key facts found in those units, and a split that does not move."""

from pathlib import Path

import pytest

from bot.core.text import fold
from bot.knowledge import answer_units
from bot.tools import dev_set

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
    missing = [i.id for i in items if i.label == "answerable" and i.key_facts
               and not any(fold(f) in fold(units[u].text) for f in i.key_facts for u in i.units)]
    assert not missing


def test_answerable_items_have_units_and_the_others_none(items):
    assert all(bool(i.units) == (i.label == "answerable") for i in items if i.kind != "compound")


def test_the_split_is_fixed_by_the_id_alone(items):
    item = items[0]
    moved = dev_set.Item(id=item.id, topic="autre", text="autre texte", label="unanswerable")
    assert moved.half == item.half
    halves = [i.half for i in items]
    assert 0.4 < halves.count("heldout") / len(halves) < 0.6
