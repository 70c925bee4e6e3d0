"""Training data and generated lookups stay consistent with knowledge/."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot import nlu_generation, settings

ROOT = settings.PROJECT_ROOT
ANNOTATION = re.compile(r"\[([^\]]+)\]\((\w+)\)")
NLU_FILES = sorted((ROOT / "data" / "nlu").glob("*.yml")) + [ROOT / "tests" / "nlu" / "heldout.yml"]


def _examples(path: Path):
    for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
        if "intent" in block:
            for line in block["examples"].splitlines():
                if line.strip().startswith("- "):
                    yield block["intent"], line.strip()[2:]


def test_generated_lookups_are_up_to_date(dataset):
    assert nlu_generation.stale_files(dataset, ROOT) == [], "lancez « make nlu-generate »"


@pytest.mark.parametrize("path", NLU_FILES, ids=lambda p: p.name)
def test_every_annotated_entity_names_a_known_record(kb, path):
    """What DIET learns to extract must be something the actions can resolve (a name, an
    alias, or a near-miss of one): otherwise the user gets « je ne connais pas »."""
    unknown = []
    for _, example in _examples(path):
        for value, entity in ANNOTATION.findall(example):
            if entity in nlu_generation.ENTITIES.values() and kb.fuzzy_resolve(entity, value) is None:
                unknown.append(f"{entity}: {value!r} dans « {example} »")
    assert not unknown, "\n".join(unknown)


def test_each_intent_has_enough_varied_examples():
    counts = Counter(intent for path in NLU_FILES[:-1] for intent, _ in _examples(path))
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for intent in domain["intents"]:
        assert counts[intent] >= 20, f"{intent}: {counts[intent]} exemples"


def test_heldout_set_shares_no_example_with_training():
    training = {text.lower() for path in NLU_FILES[:-1] for _, text in _examples(path)}
    heldout = [text for _, text in _examples(NLU_FILES[-1])]
    assert heldout and not [t for t in heldout if t.lower() in training]
