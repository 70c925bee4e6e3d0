"""Answer-unit rankers compared on the dev set of real questions (issue #17).

    .venv/bin/python -m bench.ranker            # every design (spaCy's vectors load: ~1 min)
    .venv/bin/python -m bench.ranker --no-vectors

Designs, all over the same answer units (bot/knowledge/answer_units.py):

- `lexical`: bot/core/ranker.py (BM25 on keys and text, light French stems);
- `lexical+vectors`: the lexical top 50 re-scored with the cosine of mean word vectors of
  `fr_core_news_md` (question against the unit's title and keys), half and half;
- `char-ngrams`: TF-IDF on character 3–5-grams of the keys and the text (scikit-learn);
- `lexical+char`: the lexical top 50 re-scored with the character n-gram similarity.

For each: top-1 accuracy on the answerable single questions and the share of unanswerable or
out-of-scope questions on which it abstains, on the tuning half and on the held-out half
(only the tuning half may be used to choose), and the ranking time per question. For the
lexical design, what its `decide` does too (sure / two close candidates / nothing:
`dev_set.score_decisions`). Results: bench/results/ranker-<date>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from bot.core.ranker import LexicalRanker, Ranked
from bot.core.text import fold
from bot.knowledge import answer_units
from bot.knowledge.validation import read_knowledge
from bot.tools import dev_set

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DEV = ROOT / "tests" / "dev" / "collected"
RESCORED = 50
THRESHOLDS = (0.0, 0.5, 0.6, 0.7)


class _Rescored:
    """The lexical top RESCORED, re-scored as (1 - weight) × lexical + weight × other, each
    scaled by its best value."""

    def __init__(self, lexical: LexicalRanker, other, weight: float):
        self.lexical, self.other, self.weight = lexical, other, weight

    def rank(self, question: str, limit: int = 5) -> list:
        found = self.lexical.rank(question, RESCORED)
        if not found:
            return []
        similarity = self.other.similarities(question, [r.unit for r in found])
        top_lexical, top_other = found[0].score, max(similarity) or 1.0
        mixed = [
            Ranked(r.unit, (1 - self.weight) * r.score / top_lexical + self.weight * s / top_other, r.confidence)
            for r, s in zip(found, similarity)
        ]
        mixed.sort(key=lambda r: -r.score)
        return mixed[:limit]


class CharNgrams:
    def __init__(self, units: list):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.units = units
        self.index = {u.id: n for n, u in enumerate(units)}
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
        matrix = self.vectorizer.fit_transform(
            [fold(u.title + " " + " ".join(u.keys)) for u in units] + [fold(u.text) for u in units]
        )
        self.keys, self.texts = matrix[: len(units)], matrix[len(units) :]

    def _scores(self, question: str):
        v = self.vectorizer.transform([fold(question)])
        return (self.keys @ v.T).toarray().ravel() + 0.5 * (self.texts @ v.T).toarray().ravel()

    def similarities(self, question: str, units: list) -> list:
        scores = self._scores(question)
        return [float(scores[self.index[u.id]]) for u in units]

    def rank(self, question: str, limit: int = 5) -> list:
        scores = self._scores(question)
        best = np.argsort(-scores)[:limit]
        return [Ranked(self.units[i], float(scores[i]), float(scores[i])) for i in best if scores[i] > 0]


class WordVectors:
    def __init__(self, units: list):
        import spacy

        self.nlp = spacy.load(
            "fr_core_news_md",
            exclude=["tok2vec", "morphologizer", "parser", "attribute_ruler", "lemmatizer", "ner", "senter"],
        )
        self.by_id = {u.id: self._vector(u.title + " " + " ".join(u.keys[:6])) for u in units}

    def _vector(self, text: str):
        vectors = [t.vector for t in self.nlp.make_doc(text) if t.has_vector and not t.is_stop and not t.is_punct]
        v = np.mean(vectors, axis=0) if vectors else np.zeros(self.nlp.vocab.vectors.shape[1], dtype="float32")
        norm = np.linalg.norm(v)
        return v / norm if norm else v

    def similarities(self, question: str, units: list) -> list:
        q = self._vector(question)
        return [max(0.0, float(self.by_id[u.id] @ q)) for u in units]


def measure(name: str, ranker, items: list) -> dict:
    out = {"design": name}
    for half in dev_set.HALVES:
        chosen = [i for i in items if i.half == half]
        out[half] = {
            str(t): {k: v for k, v in dev_set.score_ranker(ranker, chosen, t).items() if k != "misses"}
            for t in THRESHOLDS
        }
        if hasattr(ranker, "decide"):
            out[half]["decide"] = dev_set.score_decisions(ranker, chosen)
    timings = []
    for item in items[:200]:
        start = time.perf_counter()
        ranker.rank(item.text, 3)
        timings.append((time.perf_counter() - start) * 1000)
    out["ms_per_question_p50"] = round(statistics.median(timings), 2)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ranker", description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-vectors", action="store_true", help="sans les vecteurs de spaCy (plus rapide)")
    args = parser.parse_args(argv)
    items = dev_set.read(DEV)
    knowledge = read_knowledge(ROOT / "knowledge")
    units = answer_units.build(knowledge.records)
    start = time.perf_counter()
    lexical = LexicalRanker(units, synonyms=knowledge.editorial.query_synonyms)
    build_s = round(time.perf_counter() - start, 2)
    chars = CharNgrams(units)
    designs = [("lexical", lexical), ("char-ngrams", chars), ("lexical+char", _Rescored(lexical, chars, 0.3))]
    if not args.no_vectors:
        designs.append(("lexical+vectors", _Rescored(lexical, WordVectors(units), 0.5)))
    results = [measure(name, ranker, items) for name, ranker in designs]
    report = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "units": len(units),
        "lexical_build_s": build_s,
        "items": {h: sum(1 for i in items if i.half == h) for h in dev_set.HALVES},
        "designs": results,
    }
    print(f"{len(units)} unités de réponse ; {len(items)} questions étiquetées")
    print(f"{'conception':18s} {'réglage top-1':>14s} {'évaluation top-1':>17s} {'abstention (0,6)':>17s} {'ms/q':>6s}")
    for r in results:
        print(
            f"{r['design']:18s} {r['tuning']['0.0']['top1']:>14} {r['heldout']['0.0']['top1']:>17} "
            f"{r['heldout']['0.6']['abstention']:>17} {r['ms_per_question_p50']:>6}"
        )
    print("\ndécision (lexicale) : bonne réponse directe, bonne réponse parmi deux, abstention")
    for half in dev_set.HALVES:
        d = results[0][half]["decide"]
        print(
            f"  {half:8s} sûre juste {d['sure_right']}  proche juste {d['close_right']}  "
            f"fausse {d['wrong']}  sans réponse {d['none']}  abstention {d['abstention']}  "
            f"(réponses directes justes : {d['sure_precision']})"
        )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"ranker-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"écrit : {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
