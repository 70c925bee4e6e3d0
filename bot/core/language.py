"""Whether a message the classifier took for another language is French after all.

Owners mix English terms into French (« on veut exporter, what about the VAT ? », « quel
process pour le onboarding des clients ? »): the classifier's `other_language` intent, learnt
on English sentences, may take them for English. A message with a French part is answered in
French: its writer reads French. It counts as French by its grammatical words (spaCy's
stop-word lists, those of the ranker) and a few verbs owners write: see `is_french`.

Used by the action server; pure Python, no Rasa import.
"""

from __future__ import annotations

import functools
import re

from bot.core.ranker import STOP_WORDS
from bot.core.text import fold

# The verbs and words owners write, beyond the grammatical words of the ranker and spaCy.
_FRENCH_WORDS = frozenset(
    "veut veux voudrais voudrait voulons aimerais aimerait aimerions cherche cherchons vise visons "
    "vendre vendons vend exporter exportons produits entreprise societe salaries client clients "
    "pays marche aide aides comment pourquoi combien quoi bonjour merci aussi deja encore "
    "tres bien oui chez vers depuis".split()
)
_ENGLISH_WORDS = frozenset(
    "want need help sell selling export exporting english speak hi hello hey thanks sorry".split()
)
# The other languages the classifier's `other_language` examples are written in: a word they
# share with French or English (« de », « la », « me », « on ») tells neither apart.
_OTHERS = ("es", "it", "pt", "de")
_WORD = re.compile(r"[^\W\d_]+")


@functools.cache
def _vocabularies() -> tuple:
    """(French words, French words other Romance or German lists hold too, English words),
    folded; a word both French and English write (« on », « me », « plus ») is in none. spaCy's
    stop-word lists are imported here: the website must not pay for spaCy."""
    import importlib

    def stop_words(code: str) -> set:
        return {fold(w) for w in importlib.import_module(f"spacy.lang.{code}.stop_words").STOP_WORDS}

    french = stop_words("fr") | STOP_WORDS | _FRENCH_WORDS
    english = stop_words("en") | _ENGLISH_WORDS
    others = set().union(*(stop_words(code) for code in _OTHERS))
    return frozenset(french - english - others), frozenset((french & others) - english), frozenset(english - french)


def french_and_english(text: str) -> tuple:
    """(French words, French words that Spanish, Italian, Portuguese or German write too
    (« de », « la »), English words) of the message; a one-letter word counts for none."""
    french_words, shared, english_words = _vocabularies()
    words = [fold(w) for w in _WORD.findall(text or "") if len(w) > 1]
    return tuple(sum(w in vocabulary for w in words) for vocabulary in (french_words, shared, english_words))


def is_french(text: str) -> bool:
    """Whether the message is French, a few English words in it or not: « on veut exporter,
    what about the VAT ? » is; « What are the VAT rules in Spain? » and « Bonjour, do you speak
    English? » are not. French when it holds a word only French writes, a French score (a
    shared word counts ½) of at least 1, and no more English words than twice that score."""
    french, shared, english = french_and_english(text)
    score = french + shared / 2
    return french >= 1 and score >= 1 and english <= 2 * score
