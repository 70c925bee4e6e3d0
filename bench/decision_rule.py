"""Decision rules for the answer-unit ranker, cross-validated on the tuning half (issue #17).

    .venv/bin/python -m bench.decision_rule

`LexicalRanker.decide` (bot/core/ranker.py) answers a question at once when the certainty of
its best unit (coverage × score × (1 + margin), squashed) is high enough, and abstains below
CLOSE. This bench asks whether features beyond that certainty tell a real match from a chance
one better: the share of the question's weight no unit contains, the share matched in the
unit's own keys rather than only in its text, a question bigram met in a key, how much of its
best key the question covers, the idf of the rarest matched term, the question's length, the
unit's kind, the margin, whether the two best units share the record.

Only the tuning half of the dev set is read (single questions: answerable ones, unanswerable
and out-of-scope ones). Each rule is fitted on a random half of those items and measured on
the other half, SPLITS times (mean and spread over the splits): a rule measured on the items it was chosen on
flatters itself.

- Deciding: a rule answers at once (sure or likely) when its score reaches a threshold: the
  certainty alone (today's score), logistic regressions over a few features, products of the
  certainty with one feature, and a two-threshold rule (certainty, key cover) chosen on a
  grid. Two protocols, for each abstention a of CURVE: "fitted", the threshold (or the grid
  rule) chosen on the fitting half as the least strict that abstains on at least a of its
  unanswerable questions, measured on the other half (what a constant in the bot would do);
  "set", the threshold set on the measured half itself to abstain on a of its unanswerable
  questions, so that every score is compared at exactly the same abstention and only how it
  orders the questions counts. Gains are paired, split by split, against the certainty.
- Re-ordering: among the best TOP units, the one a logistic regression over per-unit features
  finds most likely right, or the one whose best key the question covers most among those
  near the best score, against the ranker's order; top-1 on the answerable questions.

The features read the ranker's own index (its idf, postings and key bigrams, private
attributes) rather than rebuilding it, so that they describe exactly what it matched.
Results: bench/results/decision-<date>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
import time

import numpy as np

from bench.ranker import DEV, RESULTS, ROOT
from bot.core import ranker as lexical
from bot.core.ranker import LexicalRanker, certainty_of, runner_up, terms
from bot.knowledge import answer_units
from bot.knowledge.validation import read_knowledge
from bot.tools import dev_set

# 200 rather than 20: with 20 splits the mean gain of a rule moved by ±0.01 from one seed to the
# next (seeds 0–3: +0.011 to +0.030 for certainty × best key cover), as much as the bar is wide.
SPLITS = 200
TARGET_ABSTENTION = 0.80
CURVE = (0.60, 0.65, 0.70, 0.75, 0.80, 0.85, 0.90, 0.95)
TOP = 3
# Ridge on the standardised features: 1 keeps a dozen weights tame on ~130 items (0.1 and 10
# were tried too, see the report: no different conclusion).
L2 = 1.0


class Features:
    """Per-candidate features of a question against the lexical ranker's best units."""

    def __init__(self, ranker: LexicalRanker):
        self.ranker = ranker
        self.index = {u.id: i for i, u in enumerate(ranker.units)}
        # Terms of each unit's own wordings (keys and title, the record's names included), and
        # of each key alone: where a question's words are met, beside the text.
        self.key_terms = [set(terms(" ".join([*u.keys, u.title]))) for u in ranker.units]
        self.each_key = [[set(terms(k)) for k in [*u.keys, u.title]] for u in ranker.units]

    def of(self, question: str) -> dict:
        r = self.ranker
        sequence = r.query_terms(question)
        query = list(dict.fromkeys(sequence))
        found = r.rank(question, lexical._DEPTH)
        if not found:
            return {"found": [], "rows": []}
        idf = {t: r._idf[t] for t in query if t in r._idf}
        unknown = sum(1 for t in query if t not in r._idf)
        total = sum(idf.values()) + unknown * r._max_idf
        pairs = set(zip(sequence, sequence[1:]))
        best, other = found[0], runner_up(found)
        certainty, margin = certainty_of(best, other)
        rows = []
        for rank, cand in enumerate(found[:TOP]):
            i = self.index[cand.unit.id]
            keys = self.key_terms[i]
            in_keys = sum(w for t, w in idf.items() if t in keys)
            matched = [t for t in idf if any(j == i for j, _ in r._postings[t])]
            key_cover = 0.0
            for k in self.each_key[i]:
                weight = sum(r._idf.get(t, 0.0) for t in k)
                if weight:
                    key_cover = max(key_cover, sum(r._idf.get(t, 0.0) for t in k if t in idf) / weight)
            rival = found[1] if rank == 0 and len(found) > 1 else found[0]
            rows.append(
                {
                    "rank": rank,
                    "certainty": certainty,
                    "margin": margin,
                    "coverage": cand.confidence,
                    "log_score": math.log1p(cand.score),
                    "relative_score": cand.score / best.score,
                    "unknown_share": unknown * r._max_idf / total,
                    "known_share": 1 - unknown * r._max_idf / total,
                    "key_share": in_keys / total,
                    "text_only_share": cand.confidence - in_keys / total,
                    "bigram_in_key": float(any(i in r._bigrams.get(p, ()) for p in pairs)),
                    "best_key_cover": key_cover,
                    "rarest_idf": max((idf[t] for t in matched), default=0.0) / r._max_idf,
                    "n_terms": math.log1p(len(query)),
                    "is_faq": float(cand.unit.kind == "faq"),
                    "same_record_next": float(
                        (rival.unit.kind, rival.unit.record_id) == (cand.unit.kind, cand.unit.record_id)
                    ),
                }
            )
        return {"found": found, "rows": rows}


# Feature sets compared for the decision (the best unit's features).
DECISION_SETS = {
    "certainty": ["certainty"],
    "certainty+margin": ["certainty", "margin"],
    "coverage+score+margin": ["coverage", "log_score", "margin"],
    "+unknown": ["certainty", "margin", "unknown_share"],
    "+keys": ["certainty", "margin", "key_share", "best_key_cover"],
    "+keys+unknown": ["certainty", "margin", "key_share", "best_key_cover", "unknown_share"],
    "+bigram+rarest": ["certainty", "margin", "bigram_in_key", "rarest_idf"],
    "all": [
        "certainty",
        "margin",
        "coverage",
        "log_score",
        "unknown_share",
        "key_share",
        "text_only_share",
        "bigram_in_key",
        "best_key_cover",
        "rarest_idf",
        "n_terms",
        "is_faq",
        "same_record_next",
    ],
}
RERANK_SETS = {
    "score+coverage": ["relative_score", "coverage"],
    "+keys": ["relative_score", "coverage", "key_share", "best_key_cover"],
    "+keys+bigram+rarest": ["relative_score", "coverage", "key_share", "best_key_cover", "bigram_in_key", "rarest_idf"],
    "all": [
        "relative_score",
        "coverage",
        "key_share",
        "text_only_share",
        "best_key_cover",
        "bigram_in_key",
        "rarest_idf",
        "is_faq",
    ],
}


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2) -> tuple:
    """(mean, scale, weights) of an L2-regularised logistic regression (Newton steps) on the
    standardised features; the bias is not penalised."""
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    w = np.zeros(z.shape[1])
    penalty = np.eye(z.shape[1]) * l2
    penalty[0, 0] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ w))
        gradient = z.T @ (p - y) + penalty @ w
        hessian = (z * (p * (1 - p))[:, None]).T @ z + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return mean, scale, w


def predict(model: tuple, x: np.ndarray) -> np.ndarray:
    mean, scale, w = model
    return (np.hstack([np.ones((len(x), 1)), (x - mean) / scale]) @ w).ravel()


def auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """The probability that a positive scores above a negative (ties count half)."""
    if not len(positive) or not len(negative):
        return float("nan")
    greater = (positive[:, None] > negative[None, :]).mean()
    ties = (positive[:, None] == negative[None, :]).mean()
    return float(greater + ties / 2)


class Table:
    """The tuning items' features and labels, as arrays."""

    def __init__(self, features: Features, items: list):
        self.items = items
        self.answerable = np.array([i.label == "answerable" for i in items])
        self.rows, self.right_at = [], []
        for item in items:
            got = features.of(item.text)
            self.rows.append(got["rows"])
            self.right_at.append([c.unit.id in item.units for c in got["found"][:TOP]])
        self.right = np.array([bool(r) and r[0] for r in self.right_at]) & self.answerable

    def best(self, names: list) -> np.ndarray:
        """The best unit's features (zeros when nothing matches)."""
        return np.array([[rows[0][n] for n in names] if rows else [0.0] * len(names) for rows in self.rows])


def threshold_for(score: np.ndarray, table: Table, idx: np.ndarray, abstention: float) -> float:
    """The lowest threshold that abstains on at least `abstention` of idx's unanswerable items:
    the least strict, hence the one that answers most right."""
    others = np.sort(score[idx][~table.answerable[idx]])
    k = math.ceil(abstention * len(others)) - 1
    # Abstaining on the k+1 lowest others means the threshold sits just above the (k+1)-th.
    return float(np.nextafter(others[k], np.inf)) if k >= 0 else -np.inf


def logistic(names: list, target: str = "right", l2: float = L2):
    """A score fitted on the `fit` items: the logit of a logistic regression over the best
    unit's features `names`. target "right": right at once against all the rest; "unanswered":
    right at once against the unanswerable only (the answerable items answered wrong left out
    of the fit)."""

    def score(table: Table, fit: np.ndarray) -> np.ndarray:
        x = table.best(names)
        kept = fit if target == "right" else fit[table.right[fit] | ~table.answerable[fit]]
        return predict(fit_logistic(x[kept], table.right[kept].astype(float), l2), x)

    return score


def feature(name: str, times: str = "", power: float = 1.0):
    """A score without fitting: a feature of the best unit, times another raised to `power` (plus
    0.05, so that a unit the question meets only in its text is not zeroed)."""

    def score(table: Table, fit: np.ndarray) -> np.ndarray:
        x = table.best([name]).ravel()
        return x * (table.best([times]).ravel() + 0.05) ** power if times else x

    return score


# Scores compared for the decision: the rule answers at once when the score reaches its threshold.
SCORES = {
    "certainty (today's score)": feature("certainty"),
    **{f"logistic {name}": logistic(names) for name, names in DECISION_SETS.items() if name != "certainty"},
    "logistic +bigram+rarest, l2=10": logistic(DECISION_SETS["+bigram+rarest"], l2=10.0),
    "logistic all, right vs unanswerable": logistic(DECISION_SETS["all"], target="unanswered"),
    "logistic +bigram+rarest, right vs unanswerable": logistic(DECISION_SETS["+bigram+rarest"], target="unanswered"),
    "certainty × best key cover": feature("certainty", "best_key_cover"),
    "certainty × √best key cover": feature("certainty", "best_key_cover", 0.5),
    "certainty × known share": feature("certainty", "known_share"),
}
# A two-threshold rule, chosen on the fitting half on this grid: answer at once when the
# certainty reaches `high`, or reaches `low` with the question covering at least `cover` of one
# of the unit's keys.
GRID = np.round(np.arange(0.2, 0.9, 0.05), 2)
COVERS = np.round(np.arange(0.0, 1.01, 0.1), 1)


def two_threshold_rules(table: Table) -> tuple:
    """(parameters, answers): one row of `answers` per rule of the grid, True where it answers."""
    x = table.best(["certainty", "best_key_cover"])
    c, cover = x[:, 0], x[:, 1]
    params = [(low, b, high) for low in GRID for b in COVERS for high in GRID if high > low]
    return params, np.array([(c >= high) | ((c >= low) & (cover >= b)) for low, b, high in params])


def outcome(answers: np.ndarray, table: Table, idx: np.ndarray) -> dict:
    """Right at once and wrong on idx's answerable items, abstention on its unanswerable ones."""
    answerable, right = table.answerable[idx], table.right[idx]
    return {
        "right": float((answers[idx] & right).sum() / answerable.sum()),
        "wrong": float((answers[idx] & answerable & ~right).sum() / answerable.sum()),
        "abstention": float((~answers[idx] & ~answerable).sum() / (~answerable).sum()),
    }


def current_decide(table: Table) -> np.ndarray:
    """Where today's `decide` answers at once (sure or likely)."""
    x = table.best(["certainty", "margin"])
    c, m = x[:, 0], x[:, 1]
    return (c >= lexical.LIKELY) | ((c >= lexical.CLOSE) & (m >= lexical.CLOSE_MARGIN))


def splits(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    for _ in range(SPLITS):
        order = rng.permutation(n)
        yield order[: n // 2], order[n // 2 :]


def summary(values) -> dict:
    return {"mean": round(float(np.mean(values)), 3), "sd": round(float(np.std(values)), 3)}


def best_rule(params: list, answers: np.ndarray, table: Table, fit: np.ndarray, abstention: float) -> int:
    """The grid rule that answers most right on the fit items while abstaining on at least
    `abstention` of their unanswerable ones (the least strict first on ties)."""
    answerable, right = table.answerable[fit], table.right[fit]
    abstains = (~answers[:, fit] & ~answerable).sum(axis=1) / (~answerable).sum()
    hits = (answers[:, fit] & right).sum(axis=1)
    return int(np.argmax(np.where(abstains >= abstention, hits, -1)))


def cross_validate_decisions(table: Table) -> dict:
    """For each rule, split and abstention a of CURVE: the outcome on the measured half of the
    rule (its threshold, or its grid parameters) chosen on the fitting half to abstain on at
    least a of its unanswerable items ("fitted"); for the scores, also the right answers when
    the threshold is set on the measured half itself to abstain on a of them ("set"): every
    score then abstains exactly as much, and only how it orders the items counts. Gains are
    paired, split by split, against the certainty alone under the same protocol."""
    today = current_decide(table)
    params, answers = two_threshold_rules(table)
    two = "two thresholds (certainty, key cover)"
    fitted = {name: {a: [] for a in CURVE} for name in [*SCORES, two]}
    at_set = {name: {a: [] for a in CURVE} for name in SCORES}
    today_outcomes, chosen = [], []
    for fit, test in splits(len(table.items)):
        today_outcomes.append(outcome(today, table, test))
        for name, make in SCORES.items():
            score = make(table, fit)
            for a in CURVE:
                fitted[name][a].append(outcome(score >= threshold_for(score, table, fit, a), table, test))
                at_set[name][a].append(outcome(score >= threshold_for(score, table, test, a), table, test)["right"])
        for a in CURVE:
            k = best_rule(params, answers, table, fit, a)
            fitted[two][a].append(outcome(answers[k], table, test))
            if a == TARGET_ABSTENTION:
                chosen.append([float(p) for p in params[k]])
    base = "certainty (today's score)"
    out = {"decide today": {k: summary([o[k] for o in today_outcomes]) for k in ("right", "wrong", "abstention")}}
    for name, curve in fitted.items():
        out[name] = {
            "fitted": {
                str(a): {
                    **{k: summary([o[k] for o in runs]) for k in ("right", "wrong", "abstention")},
                    "gain": summary([o["right"] - b["right"] for o, b in zip(runs, fitted[base][a])]),
                }
                for a, runs in curve.items()
            }
        }
        if name in at_set:
            out[name]["set"] = {
                str(a): {
                    "right": summary(v),
                    "gain": summary(np.array(v) - np.array(at_set[base][a])),
                }
                for a, v in at_set[name].items()
            }
    out[two]["chosen_low_cover_high_at_target"] = chosen
    return out


def key_cover_choice(rows: list, within: float) -> int:
    """Among the units whose score is at least `within` of the best one's, the one whose best
    key the question covers most (the ranker's order on ties)."""
    near = [j for j, row in enumerate(rows) if row["relative_score"] >= within]
    return max(near, key=lambda j: (rows[j]["best_key_cover"], -j))


RERANK_WITHIN = (0.6, 0.7, 0.8, 0.9, 0.95, 1.0)


def cross_validate_reranking(table: Table) -> dict:
    """Top-1 on the answerable items of the measured half, against the ranker's order: the best
    of its TOP units by a logistic regression fitted on the other half's answerable items (one
    row per unit, right or not), and by the key-cover rule with `within` chosen on the other
    half."""
    chosen = np.flatnonzero(table.answerable & np.array([bool(r) for r in table.rows]))
    methods = {f"logistic {name}": names for name, names in RERANK_SETS.items()}
    methods["key cover among the near ones"] = None
    out = {}
    for name, names in methods.items():
        gains, tops, base = [], [], []
        for fit, test in splits(len(chosen)):
            fit, test = chosen[fit], chosen[test]
            if names is None:
                within = max(
                    RERANK_WITHIN,
                    key=lambda w: (sum(table.right_at[i][key_cover_choice(table.rows[i], w)] for i in fit), w),
                )
                picks = [key_cover_choice(table.rows[i], within) for i in test]
            else:
                x = np.array([[row[f] for f in names] for i in fit for row in table.rows[i]])
                y = np.array([right for i in fit for right in table.right_at[i]], dtype=float)
                model = fit_logistic(x, y)
                picks = [
                    int(np.argmax(predict(model, np.array([[row[f] for f in names] for row in table.rows[i]]))))
                    for i in test
                ]
            hits = np.mean([table.right_at[i][j] for i, j in zip(test, picks)])
            lexical_hits = np.mean([table.right_at[i][0] for i in test])
            tops.append(hits)
            base.append(lexical_hits)
            gains.append(hits - lexical_hits)
        out[name] = {"top1": summary(tops), "lexical_top1": summary(base), "gain": summary(gains)}
    return out


def univariate(table: Table) -> dict:
    """For each feature of the best unit: AUC of right-at-once against the rest, and of
    answerable against unanswerable."""
    names = DECISION_SETS["all"]
    x = table.best(names)
    out = {}
    for j, name in enumerate(names):
        v = x[:, j]
        out[name] = {
            "auc_right_vs_rest": round(auc(v[table.right], v[~table.right]), 3),
            "auc_answerable_vs_not": round(auc(v[table.answerable], v[~table.answerable]), 3),
        }
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.decision_rule", description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    knowledge = read_knowledge(ROOT / "knowledge")
    ranker = LexicalRanker(answer_units.build(knowledge.records), synonyms=knowledge.editorial.query_synonyms)
    items = [i for i in dev_set.read(DEV) if i.half == "tuning" and i.kind != "compound"]
    start = time.perf_counter()
    table = Table(Features(ranker), items)
    ms = (time.perf_counter() - start) * 1000 / len(items)
    report = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "half": "tuning",
        "items": {"answerable": int(table.answerable.sum()), "other": int((~table.answerable).sum())},
        "lexical_top1": round(float(table.right.sum() / table.answerable.sum()), 3),
        "features_ms_per_question": round(ms, 2),
        "univariate": univariate(table),
        "decisions": cross_validate_decisions(table),
        "reranking": cross_validate_reranking(table),
    }
    print(f"réglage : {report['items']} ; top-1 lexical {report['lexical_top1']} ; {ms:.2f} ms/question (traits)")
    print("AUC (juste d'emblée / reste ; avec réponse / sans) :")
    for name, a in report["univariate"].items():
        print(f"  {name:18s} {a['auc_right_vs_rest']:.3f}  {a['auc_answerable_vs_not']:.3f}")
    target = str(TARGET_ABSTENTION)
    today = report["decisions"]["decide today"]
    print(
        f"decide aujourd'hui (constantes fixes), sur les moitiés mesurées : juste {today['right']['mean']:.3f}"
        f"±{today['right']['sd']:.3f}  faux {today['wrong']['mean']:.3f}  abst. {today['abstention']['mean']:.3f}"
        f"±{today['abstention']['sd']:.3f}"
    )
    print(
        f"{SPLITS} partages 50/50 ; seuil (ou règle) choisi sur une moitié pour ≥ {target} d'abstention, "
        "mesuré sur l'autre ; gain apparié contre la certitude seule :"
    )
    for name, d in report["decisions"].items():
        if "fitted" in d:
            f = d["fitted"][target]
            print(
                f"  {name:48s} juste {f['right']['mean']:.3f}±{f['right']['sd']:.3f}  faux {f['wrong']['mean']:.3f}  "
                f"abst. {f['abstention']['mean']:.3f}±{f['abstention']['sd']:.3f}  "
                f"gain {f['gain']['mean']:+.3f}±{f['gain']['sd']:.3f}"
            )
    for protocol, title in (("fitted", "seuil choisi sur l'autre moitié"), ("set", "seuil posé sur la moitié mesurée")):
        print(f"courbe ({title}) : abstention visée → justes d'emblée (gain contre la certitude)")
        for name, d in report["decisions"].items():
            if protocol in d:
                print(
                    f"  {name:48s} "
                    + " ".join(
                        f"{a}:{v['right']['mean']:.3f}({v['gain']['mean']:+.3f})" for a, v in d[protocol].items()
                    )
                )
    print(f"réordonner les {TOP} premières unités :")
    for name, d in report["reranking"].items():
        print(
            f"  {name:34s} top-1 {d['top1']['mean']:.3f} (lexical {d['lexical_top1']['mean']:.3f}) "
            f"gain {d['gain']['mean']:+.3f}±{d['gain']['sd']:.3f}"
        )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"decision-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"écrit : {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
