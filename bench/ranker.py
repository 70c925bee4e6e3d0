"""Answer-unit rankers compared on the dev set of real questions (issue #17).

    .venv/bin/python -m bench.ranker                      # every design, tuning half only
    .venv/bin/python -m bench.ranker --no-vectors --no-supervised
    .venv/bin/python -m bench.ranker --response-selector /tmp/rs/model.tar.gz
    .venv/bin/python -m bench.ranker --only lexical+supervised --heldout lexical+supervised

Designs, all over the same answer units (bot/knowledge/answer_units.py):

- `lexical`: bot/core/ranker.py (BM25 on keys and text, light French stems);
- `char-ngrams`: TF-IDF on character 3–5-grams of the keys and the text (scikit-learn);
- `lexical+char`: the lexical top 50 re-scored with the character n-gram similarity;
- `lexical+vectors`: the lexical top 50 re-scored with the cosine of mean word vectors of
  `fr_core_news_md` (question against the unit's title and keys), half and half;
- `lexical+expansion`: the question's words no unit contains completed with their nearest
  words of the index by `fr_core_news_md`'s vectors (bench/query_expansion.py);
- `lexical+supervised`: a linear classifier trained on the units' keys, fused with the lexical
  score (bench/supervised_ranker.py);
- `response-selector`: Rasa's ResponseSelector over the FAQ entries, trained apart
  (bench/response_selector.py) and given with --response-selector; it knows only FAQ units,
  so its figure to compare is `faq_top1`.

For each: top-1 accuracy on the answerable single questions (and on those a FAQ entry
answers), the share of unanswerable or out-of-scope questions on which it abstains, the
ranking time per question, the build time and the memory it takes. For the designs that
decide (sure / two close candidates / nothing), what `decide` does (`dev_set.score_decisions`).
Only the tuning half is measured unless --heldout names a design: the held-out half is
measured once, at the end, for the design retained. Results: bench/results/ranker-<date>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import psutil

from bench.query_expansion import ExpandedLexical
from bench.response_selector import ResponseSelectorRanker
from bench.supervised_ranker import SupervisedRanker, SupervisedScorer, weight_sweep
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
    def __init__(self, units: list, nlp):
        self.nlp = nlp
        self.by_id = {u.id: self._vector(u.title + " " + " ".join(u.keys[:6])) for u in units}

    def _vector(self, text: str):
        vectors = [t.vector for t in self.nlp.make_doc(text) if t.has_vector and not t.is_stop and not t.is_punct]
        v = np.mean(vectors, axis=0) if vectors else np.zeros(self.nlp.vocab.vectors.shape[1], dtype="float32")
        norm = np.linalg.norm(v)
        return v / norm if norm else v

    def similarities(self, question: str, units: list) -> list:
        q = self._vector(question)
        return [max(0.0, float(self.by_id[u.id] @ q)) for u in units]


def faq_top1(ranker, items: list):
    """Top-1 on the answerable single questions that a FAQ entry answers (among other units
    perhaps): the figure a ranker that knows only the FAQ can be compared on."""
    chosen = [
        i
        for i in items
        if i.label == "answerable" and i.kind != "compound" and any(u.startswith("faq:") for u in i.units)
    ]
    hits = 0
    for item in chosen:
        best = ranker.rank(item.text, 1)
        hits += bool(best) and best[0].unit.id in item.units
    return round(hits / len(chosen), 3) if chosen else None


def measure(name: str, ranker, items: list, halves: tuple) -> dict:
    out = {"design": name}
    for half in halves:
        chosen = [i for i in items if i.half == half]
        out[half] = {
            str(t): {k: v for k, v in dev_set.score_ranker(ranker, chosen, t).items() if k != "misses"}
            for t in THRESHOLDS
        }
        out[half]["faq_top1"] = faq_top1(ranker, chosen)
        if hasattr(ranker, "decide"):
            out[half]["decide"] = dev_set.score_decisions(ranker, chosen)
    timings = []
    for item in [i for i in items if i.half == "tuning"][:200]:
        start = time.perf_counter()
        ranker.rank(item.text, 3)
        timings.append((time.perf_counter() - start) * 1000)
    out["ms_per_question_p50"] = round(statistics.median(timings), 2)
    return out


class _Built:
    """Builds each design and notes its build time and the memory it added (RSS)."""

    def __init__(self):
        self.cost = {}

    def __call__(self, name: str, build):
        process = psutil.Process()
        before, start = process.memory_info().rss, time.perf_counter()
        built = build()
        self.cost[name] = {
            "build_s": round(time.perf_counter() - start, 2),
            "rss_added_mb": round((process.memory_info().rss - before) / 2**20, 1),
        }
        return built


def _spacy_vectors():
    import spacy

    return spacy.load(
        "fr_core_news_md",
        exclude=["tok2vec", "morphologizer", "parser", "attribute_ruler", "lemmatizer", "ner", "senter"],
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ranker", description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-vectors", action="store_true", help="sans les vecteurs de spaCy (plus rapide)")
    parser.add_argument("--no-supervised", action="store_true", help="sans le classifieur (2 à 5 min)")
    parser.add_argument("--response-selector", type=Path, help="modèle entraîné par bench.response_selector")
    parser.add_argument("--only", nargs="*", help="ces conceptions seulement")
    parser.add_argument(
        "--heldout", nargs="*", default=[], help="conceptions mesurées aussi sur la moitié d'évaluation"
    )
    args = parser.parse_args(argv)
    items = dev_set.read(DEV)
    knowledge = read_knowledge(ROOT / "knowledge")
    units = answer_units.build(knowledge.records)
    built = _Built()
    lexical = built("lexical", lambda: LexicalRanker(units, synonyms=knowledge.editorial.query_synonyms))
    designs = {"lexical": lambda: lexical}
    designs["char-ngrams"] = lambda: built("char-ngrams", lambda: CharNgrams(units))
    designs["lexical+char"] = lambda: _Rescored(lexical, built("lexical+char", lambda: CharNgrams(units)), 0.3)
    if not args.no_vectors:
        nlp = functools.cache(_spacy_vectors)
        designs["lexical+vectors"] = lambda: _Rescored(
            lexical, built("lexical+vectors", lambda: WordVectors(units, nlp())), 0.5
        )
        designs["lexical+expansion"] = lambda: built("lexical+expansion", lambda: ExpandedLexical(lexical, nlp()))
    if not args.no_supervised:
        designs["lexical+supervised"] = lambda: SupervisedRanker(
            lexical, built("lexical+supervised", lambda: SupervisedScorer(units))
        )
    if args.response_selector:
        designs["response-selector"] = lambda: built(
            "response-selector", lambda: ResponseSelectorRanker(units, args.response_selector)
        )
    results = []
    for name, build in designs.items():
        if args.only and name not in args.only:
            continue
        halves = ("tuning", "heldout") if name in args.heldout else ("tuning",)
        ranker = build()
        result = measure(name, ranker, items, halves)
        result.update(built.cost.get(name, {}))
        if isinstance(ranker, SupervisedRanker):
            tuning = [i for i in items if i.half == "tuning"]
            result["model_mb"] = round(ranker.scorer.nbytes() / 2**20, 1)
            result["examples"] = ranker.scorer.examples
            result["tuning_weight_sweep"] = weight_sweep(lexical, ranker.scorer, tuning)
        results.append(result)
    report = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "units": len(units),
        "items": {h: sum(1 for i in items if i.half == h) for h in dev_set.HALVES},
        "designs": results,
    }
    print(f"{len(units)} unités de réponse ; {len(items)} questions étiquetées")
    print(
        f"{'conception':20s} {'top-1 réglage':>13s} {'FAQ réglage':>11s} {'abst. (0,6)':>11s} "
        f"{'top-1 éval.':>11s} {'ms/q':>6s} {'construction':>12s} {'Mo':>6s}"
    )
    for r in results:
        heldout = r.get("heldout", {}).get("0.0", {}).get("top1", "–")
        print(
            f"{r['design']:20s} {r['tuning']['0.0']['top1']:>13} {r['tuning']['faq_top1']:>11} "
            f"{r['tuning']['0.6']['abstention']:>11} {heldout:>11} {r['ms_per_question_p50']:>6} "
            f"{r.get('build_s', '–'):>12} {r.get('rss_added_mb', '–'):>6}"
        )
    for r in results:
        if "tuning_weight_sweep" in r:
            print(f"poids de la fusion ({r['design']}, réglage) : {r['tuning_weight_sweep']}")
        for half in dev_set.HALVES:
            d = r.get(half, {}).get("decide")
            if d:
                print(
                    f"décision {r['design']} ({half}) : sûre juste {d['sure_right']}  proche juste {d['close_right']}  "
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
