"""Query expansion with word vectors (issue #17), for bench/ranker.py: each question word that
no answer unit contains is completed with its nearest words of `fr_core_news_md` among those
the units do contain, before the lexical ranker reads the question."""

from __future__ import annotations

import re

import numpy as np

from bot.core.ranker import STOP_WORDS, stem
from bot.core.text import fold

NEAREST = 2
MIN_SIMILARITY = 0.5
_WORD = re.compile(r"[^\W\d_]{3,}")


class ExpandedLexical:
    def __init__(self, lexical, nlp):
        self.lexical, self.nlp = lexical, nlp
        vocabulary = {}
        for unit in lexical.units:
            for word in _WORD.findall(" ".join([unit.title, *unit.keys, unit.text]).lower()):
                if word not in vocabulary and self._known(word) and nlp.vocab[word].has_vector:
                    vocabulary[word] = _unit(nlp.vocab[word].vector)
        self.words = list(vocabulary)
        self.vectors = np.stack([vocabulary[w] for w in self.words])

    def _known(self, word: str) -> bool:
        return stem(fold(word)) in self.lexical._idf

    def expansion(self, question: str) -> list:
        """The index words added to the question."""
        added = []
        for word in _WORD.findall(question.lower()):
            if fold(word) in STOP_WORDS or self._known(word) or not self.nlp.vocab[word].has_vector:
                continue
            similarity = self.vectors @ _unit(self.nlp.vocab[word].vector)
            added.extend(self.words[j] for j in np.argsort(-similarity)[:NEAREST] if similarity[j] >= MIN_SIMILARITY)
        return added

    def rank(self, question: str, limit: int = 5) -> list:
        return self.lexical.rank(" ".join([question, *self.expansion(question)]), limit)


def _unit(vector):
    norm = np.linalg.norm(vector)
    return vector / norm if norm else vector
