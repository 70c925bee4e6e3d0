"""Ranks answer units (bot/knowledge/answer_units.py) for a question: lexical design.

BM25 over two fields of each unit: its keys (the FAQ question and variants, the record's
names, the aspect's typical wording) and its text. Words are folded and cut to a light stem,
so that « déclarations », « déclaration » and « declarer » meet. The score is given with a
confidence in [0, 1]: the share of the query's weight that the best unit covers, which does
not depend on the length of the question, and the margin to the runner-up, which tells
"sure" from "two close candidates".

This is the first of the designs compared in docs/nlu.md (issue #17); it needs no model.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from dataclasses import dataclass

from bot.core.text import words

# Words that carry no meaning for retrieval, folded. Question words stay out too: « combien »
# and « comment » are matched through the aspects' keys, not the texts.
STOP_WORDS = frozenset(
    "a au aux avec c ce ces cet cette d dans de des du elle elles en est et etc il ils j je l la le les leur "
    "leurs lui ma mais me meme mes moi mon n ne ni nos notre nous on ont ou par pas plus pour qu que qui "
    "s sa se ses si son sont sur t ta te tes toi ton tu un une vos votre vous y ca cela ceci etre avoir "
    "fait faire faut peut peux puis dois doit bonjour merci svp est-ce quoi quel quelle quels quelles "
    "ai as avez avons suis sommes etes es".split()
)

_SUFFIXES = (
    "issements",
    "issement",
    "ements",
    "ement",
    "ations",
    "ation",
    "ateurs",
    "ateur",
    "atrices",
    "atrice",
    "ances",
    "ance",
    "ences",
    "ence",
    "ites",
    "ite",
    "iques",
    "ique",
    "ables",
    "able",
    "euses",
    "euse",
    "eurs",
    "eur",
    "ives",
    "ive",
    "ifs",
    "if",
    "aux",
    "al",
    "ees",
    "ee",
    "es",
    "er",
    "ez",
    "e",
    "s",
    "x",
)

K1 = 2.0
B = 0.9
KEY_WEIGHT = 3.0  # a word met in the keys counts three times as much as in the text


def stem(word: str) -> str:
    """A light French stem: the first listed suffix that fits removed (longer ones are listed
    first; 4 letters always kept), then cut to 7 letters."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    return word[:7]


def terms(text: str) -> list:
    return [stem(w) for w in words(text) if w not in STOP_WORDS and (len(w) > 1 or w.isdigit())]


@dataclass(frozen=True)
class Ranked:
    unit: object
    score: float
    confidence: float  # share of the query's weight found in this unit, 0..1


def _bm25(tf: int, length: int, avg: float) -> float:
    return tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / avg)) if tf else 0.0


class LexicalRanker:
    def __init__(self, units: list):
        self.units = list(units)
        keys = [Counter(terms(" ".join(u.keys) + " " + u.title)) for u in self.units]
        texts = [Counter(terms(u.text)) for u in self.units]
        avg_key = sum(c.total() for c in keys) / max(1, len(keys))
        avg_text = sum(c.total() for c in texts) / max(1, len(texts))
        df = Counter(term for k, t in zip(keys, texts) for term in set(k) | set(t))
        n = len(self.units)
        self._idf = {term: math.log(1 + (n - d + 0.5) / (d + 0.5)) for term, d in df.items()}
        self._max_idf = max(self._idf.values(), default=1.0)
        # Each term's contribution to each unit, computed once: a question then costs one
        # dictionary walk per query term.
        self._postings = {}
        for i, (k, t) in enumerate(zip(keys, texts)):
            key_len, text_len = k.total(), t.total()
            for term in set(k) | set(t):
                part = KEY_WEIGHT * _bm25(k[term], key_len, avg_key) + _bm25(t[term], text_len, avg_text)
                self._postings.setdefault(term, []).append((i, part))

    def rank(self, question: str, limit: int = 5) -> list:
        query = list(dict.fromkeys(terms(question)))
        weights = {t: self._idf[t] for t in query if t in self._idf}
        if not weights:
            return []
        # A word no unit contains (« zorglub ») is what the question is about as much as any
        # rare word: it counts in the question's weight, so no unit covers the whole of it.
        unknown = sum(1 for t in query if t not in self._idf)
        total = sum(weights.values()) + unknown * self._max_idf
        score, covered = {}, {}
        for term, idf in weights.items():
            for i, part in self._postings[term]:
                score[i] = score.get(i, 0.0) + idf * part
                covered[i] = covered.get(i, 0.0) + idf
        best = heapq.nsmallest(limit, score.items(), key=lambda item: (-item[1], self.units[item[0]].id))
        return [Ranked(self.units[i], round(s, 4), round(covered[i] / total, 4)) for i, s in best]
