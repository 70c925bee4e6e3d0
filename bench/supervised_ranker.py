"""A supervised answer-unit ranker (issue #17), for bench/ranker.py: a linear classifier over
the units, trained on their own keys, fused with the lexical ranker.

Training examples, one class per unit: a FAQ entry's question, variants and answer; a
programme's aspect as each of the programme's names followed by each wording of the aspect
(« <nom> combien », « <nom> montant »…), the presentation also as the bare names; any other
unit's names. Features: TF-IDF of the ranker's stems (words and pairs of words) beside TF-IDF of
character 3–5-grams of the folded text. Classifier: one linear SVM per unit (hinge loss,
stochastic gradient), trained one unit at a time so that only the weights that matter are kept
(|w| ≥ PRUNE, float32, sparse): the full matrix (units × features, float64) would take some
600 MB.

Fusion: on the lexical top RESCORED and the classifier's top 20, (1 − WEIGHT) × lexical score /
best lexical score + WEIGHT × the classifier's margin above its 50th score / that of its best.
A unit's confidence stays the share of the question it covers (the lexical one).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from bot.core.ranker import Decision, Ranked, terms
from bot.core.text import fold
from bot.knowledge.answer_units import ASPECT_KEYS

RESCORED = 50
FROM_CLASSIFIER = 20
WEIGHT = 0.25
CHAR_WEIGHT = 0.7
PRUNE = 0.02
ALPHA = 1e-4
EPOCHS = 15


def examples(unit) -> list:
    """The texts a unit is trained on."""
    if unit.kind == "programme":
        names = unit.keys[:-1]
        out = [f"{n} {w.strip()}" for n in names for w in ASPECT_KEYS[unit.aspect].split(",")]
        return out + list(names) if unit.aspect == "presentation" else out
    out = list(dict.fromkeys([*unit.keys, unit.title]))
    return out + [unit.text] if unit.kind == "faq" else out


def _stems(text: str) -> str:
    return " ".join(terms(text))


class SupervisedScorer:
    def __init__(self, units: list):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import SGDClassifier

        self.units = units
        texts, labels = [], []
        for n, unit in enumerate(units):
            for text in examples(unit):
                texts.append(text)
                labels.append(n)
        self.words = TfidfVectorizer(ngram_range=(1, 2), token_pattern=r"\S+", sublinear_tf=True)
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2)
        x = sp.hstack(
            [
                self.words.fit_transform([_stems(t) for t in texts]),
                CHAR_WEIGHT * self.chars.fit_transform([fold(t) for t in texts]),
            ]
        ).tocsr()
        labels = np.array(labels)
        columns, self.bias = [], np.zeros(len(units), dtype=np.float32)
        for n in range(len(units)):
            binary = SGDClassifier(loss="hinge", alpha=ALPHA, max_iter=EPOCHS, tol=None, random_state=0)
            binary.fit(x, labels == n)
            w = binary.coef_.ravel()
            keep = np.flatnonzero(np.abs(w) >= PRUNE)
            columns.append(
                sp.csc_matrix((w[keep].astype(np.float32), (keep, np.zeros(len(keep), int))), shape=(x.shape[1], 1))
            )
            self.bias[n] = binary.intercept_[0]
        self.weights = sp.hstack(columns).tocsr()
        self.examples = len(texts)

    def nbytes(self) -> int:
        w = self.weights
        return w.data.nbytes + w.indices.nbytes + w.indptr.nbytes

    def scores(self, question: str) -> np.ndarray:
        x = sp.hstack([self.words.transform([_stems(question)]), CHAR_WEIGHT * self.chars.transform([fold(question)])])
        return np.asarray((x.tocsr() @ self.weights).todense()).ravel() + self.bias


class SupervisedRanker:
    """The lexical ranker's order, corrected by the classifier (see the module's docstring)."""

    def __init__(self, lexical, scorer: SupervisedScorer, weight: float = WEIGHT):
        self.lexical, self.scorer, self.weight = lexical, scorer, weight
        self.index = {u.id: n for n, u in enumerate(scorer.units)}

    def rank(self, question: str, limit: int = 5) -> list:
        found = self.lexical.rank(question, RESCORED)
        if not found:
            return []
        scores = self.scorer.scores(question)
        order = np.argsort(-scores)
        top, floor = scores[order[0]], scores[order[RESCORED - 1]]
        spread = max(top - floor, 1e-9)
        lexical = {self.index[r.unit.id]: r for r in found}
        candidates = set(lexical) | set(order[:FROM_CLASSIFIER].tolist())
        best = found[0].score
        mixed = []
        for n in candidates:
            r = lexical.get(n)
            score = (1 - self.weight) * (r.score / best if r else 0.0) + self.weight * max(
                0.0, scores[n] - floor
            ) / spread
            mixed.append(Ranked(self.scorer.units[n], round(float(score), 4), r.confidence if r else 0.0))
        mixed.sort(key=lambda r: (-r.score, r.unit.id))
        return mixed[:limit]

    def decide(self, question: str) -> Decision:
        """The lexical ranker's certainty, hence its abstention, unchanged; the units offered
        taken from the fused order."""
        lexical = self.lexical.decide(question)
        if lexical.kind == "none":
            return lexical
        found = self.rank(question, RESCORED)
        best = found[0]
        other = next((r for r in found if _record(r) != _record(best)), None)
        chosen = [best] if lexical.kind == "sure" or other is None else [best, other]
        return Decision(lexical.kind, chosen, lexical.certainty, lexical.margin)


def _record(ranked) -> tuple:
    return ranked.unit.kind, ranked.unit.record_id


SWEPT = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)


def weight_sweep(lexical, scorer: SupervisedScorer, items: list, repeats: int = 20) -> dict:
    """What the fusion weight is worth on the answerable single questions of `items`: top-1
    for each weight of SWEPT (0 is the lexical ranker alone); the gain over the lexical ranker
    when the weight is chosen on a random half of the questions and measured on the other
    half, `repeats` times each way (mean and spread: the best weight of a grid measured on the
    questions it was chosen on flatters it); and a 90 % bootstrap interval of the gain at
    WEIGHT."""
    chosen = [i for i in items if i.label == "answerable" and i.kind != "compound"]
    hits = {}
    for weight in SWEPT:
        ranker = SupervisedRanker(lexical, scorer, weight)
        hits[weight] = np.array(
            [bool(r) and r[0].unit.id in i.units for i, r in ((i, ranker.rank(i.text, 1)) for i in chosen)]
        )
    rng = np.random.default_rng(0)
    gains = []
    for _ in range(repeats):
        order = rng.permutation(len(chosen))
        halves = order[: len(chosen) // 2], order[len(chosen) // 2 :]
        for fit, test in (halves, halves[::-1]):
            best = max(SWEPT, key=lambda w: (hits[w][fit].mean(), -w))
            gains.append(hits[best][test].mean() - hits[0.0][test].mean())
    differences = hits[WEIGHT].astype(float) - hits[0.0]
    draws = [differences[rng.integers(0, len(chosen), len(chosen))].mean() for _ in range(2000)]
    return {
        "top1_by_weight": {str(w): round(float(h.mean()), 3) for w, h in hits.items()},
        "nested_gain_mean": round(float(np.mean(gains)), 3),
        "nested_gain_sd": round(float(np.std(gains)), 3),
        f"gain_at_{WEIGHT}_90pct": [round(float(x), 3) for x in np.percentile(draws, [5, 95])],
    }
