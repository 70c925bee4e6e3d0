"""Training data and generated lookups stay consistent with knowledge/."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from bot.config import settings
from bot.tools import nlu_generation
from tests.support import fast_yaml

ROOT = settings.PROJECT_ROOT
ANNOTATION = re.compile(r"\[([^\]]+)\]\((\w+)\)")
NLU_FILES = sorted((ROOT / "data" / "nlu").glob("*.yml")) + [ROOT / "tests" / "nlu" / "heldout.yml"]


def _examples(path: Path):
    for block in fast_yaml.load(path.read_text(encoding="utf-8")).get("nlu", []):
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


MIN_TRAINING_EXAMPLES, MIN_PER_INTENT = 2500, 30
MIN_HELDOUT_EXAMPLES, MIN_HELDOUT_PER_INTENT = 500, 15


def test_each_intent_has_enough_examples():
    counts = Counter(intent for path in NLU_FILES[:-1] for intent, _ in _examples(path))
    domain = fast_yaml.load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert set(counts) <= set(domain["intents"]), "intention absente de domain.yml"
    assert sum(counts.values()) >= MIN_TRAINING_EXAMPLES
    for intent in domain["intents"]:
        assert counts[intent] >= MIN_PER_INTENT, f"{intent}: {counts[intent]} exemples"


def test_heldout_set_covers_every_intent():
    counts = Counter(intent for intent, _ in _examples(NLU_FILES[-1]))
    domain = fast_yaml.load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert set(counts) <= set(domain["intents"])
    assert sum(counts.values()) >= MIN_HELDOUT_EXAMPLES
    for intent in domain["intents"]:
        assert counts[intent] >= MIN_HELDOUT_PER_INTENT, f"{intent}: {counts[intent]} exemples de test"


def test_annotations_are_consistent_with_the_knowledge_base(kb):
    """The training data and the held-out set annotate the same way (bot/tools/nlu_lint.py):
    otherwise entity F1 measures disagreements between writers, not the model."""
    from bot.tools.nlu_lint import lint_files

    findings = lint_files(kb, NLU_FILES)
    assert not findings, "\n".join(str(f) for f in findings[:30])


# Above this similarity (difflib ratio of the folded texts), a training example is a light
# edit of a held-out one, and the held-out score would flatter the model.
NEAR_COPY_RATIO = 0.9


@pytest.mark.slow  # every held-out example against every training one: ~20 s of CPU
def test_heldout_set_shares_no_example_with_training():
    import difflib

    from bot.core.text import fold
    from bot.tools.nlu_lint import plain_text

    training = [fold(plain_text(text)) for path in NLU_FILES[:-1] for _, text in _examples(path)]
    heldout = [fold(plain_text(text)) for _, text in _examples(NLU_FILES[-1])]
    assert heldout
    near = []
    for test in heldout:
        matcher = difflib.SequenceMatcher(None, "", test)
        for train in training:
            matcher.set_seq1(train)
            if (
                matcher.real_quick_ratio() >= NEAR_COPY_RATIO
                and matcher.quick_ratio() >= NEAR_COPY_RATIO
                and matcher.ratio() >= NEAR_COPY_RATIO
            ):
                near.append(f"« {test} » ≈ « {train} »")
    assert not near, "\n".join(near[:20])


def test_annotations_fall_on_token_boundaries():
    """DIET learns entities token by token: a span that ends inside a token (« [6 M€] »,
    where the tokenizer drops « € ») is silently ignored at training and counted as a miss
    at evaluation."""
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.nlu.training_data.message import Message

    from bot.tools.nlu_lint import spans

    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    misaligned = []
    for path in NLU_FILES:
        for _, example in _examples(path):
            plain, annotated = spans(example)
            tokens = tokenizer.tokenize(Message.build(plain), "text")
            starts, ends = {t.start for t in tokens}, {t.end for t in tokens}
            misaligned += [f"{path.name} : « {example} »" for s, e, _ in annotated if s not in starts or e not in ends]
    assert not misaligned, "\n".join(misaligned[:20])
