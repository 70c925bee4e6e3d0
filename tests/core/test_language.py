"""Whether a message the classifier took for another language is French (bot/core/language.py):
the classifier's own `other_language` examples are not, French messages with a few English
words are."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.core import language


@pytest.mark.parametrize(
    "text",
    [
        "on veut exporter, what about the VAT ?",
        "quel process pour le onboarding des clients ?",
        "je cherche un sales manager pour the US market",
        "c'est quoi le cash flow ?",
        "Hi, nous sommes une PME",
    ],
)
def test_french_with_a_few_english_words_is_french(text):
    assert language.is_french(text)


@pytest.mark.parametrize(
    "text",
    [
        "What are the VAT rules when selling in Spain?",
        "Bonjour, do you speak English?",
        "english?",
        "how much does it cost ?",
        "¿Hablas español? Queremos exportar a Chile",
        "Welche Förderungen gibt es für kleine Unternehmen?",
    ],
)
def test_english_and_other_languages_are_not(text):
    assert not language.is_french(text)


def test_no_example_of_the_other_language_intent_is_taken_for_french():
    data = yaml.safe_load(Path("data/nlu/control.yml").read_text(encoding="utf-8"))
    block = next(item for item in data["nlu"] if item.get("intent") == "other_language")
    examples = [re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line[2:]) for line in block["examples"].splitlines()]
    assert len(examples) > 50
    assert [text for text in examples if language.is_french(text)] == []
