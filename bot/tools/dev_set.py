"""The development set of real questions (tests/dev/collected/*.yml, issue #17): reading the
labelled items, the split into a tuning half and a held-out half, and the ranker's scores.

The split is drawn once and never redrawn: an item's half is decided by a hash of its id
(salted with SPLIT_SALT), which is random with respect to its content and stable when items
are added, removed or relabelled. Thresholds and new knowledge may only be written from the
tuning half; the gates are measured on the held-out half.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SPLIT_SALT = "boussole-dev-2026-12-07"
HALVES = ("tuning", "heldout")


@dataclass(frozen=True)
class Item:
    id: str
    topic: str
    text: str
    label: str  # answerable | unanswerable | out_of_scope | drop
    units: tuple = ()
    key_facts: tuple = ()  # a correct reply contains one of them
    questions: tuple = ()  # compound messages: the questions inside
    units_per_question: tuple = ()
    profile: dict = field(default_factory=dict)
    kind: str = ""  # the writer's kind: answerable | compound | out_of_scope
    profile_slots: dict = field(default_factory=dict)  # compound: the profile as the bot's slots
    # What decides the half: the id, or the id that a group of items shares (a compound
    # message and the single questions it quotes must fall in the same half).
    split_key: str = ""

    @property
    def half(self) -> str:
        digest = hashlib.sha256(f"{SPLIT_SALT}:{self.split_key or self.id}".encode()).digest()
        return HALVES[digest[0] % 2]


def _split_keys(raws: list) -> dict:
    """For each item id, the key of its group: a compound message and the single questions it
    quotes word for word (part d composed some so) form one group, keyed by its smallest id;
    every other item is a group of its own."""
    parent = {raw["id"]: raw["id"] for raw in raws}

    def root(item_id):
        while parent[item_id] != item_id:
            item_id = parent[item_id]
        return item_id

    by_text = {" ".join(str(raw["text"]).split()): raw["id"] for raw in raws if raw.get("kind") != "compound"}
    for raw in raws:
        questions = raw.get("questions") or () if raw.get("kind") == "compound" else ()
        for question in questions:
            quoted = by_text.get(" ".join(str(question).split()))
            if quoted is not None:
                a, b = sorted((root(raw["id"]), root(quoted)))
                parent[b] = a
    return {item_id: root(item_id) for item_id in parent}


def read(folder: Path) -> list:
    """Every labelled item of the folder's YAML files (unlabelled and dropped ones left out)."""
    raws = []
    for path in sorted(Path(folder).glob("*.yml")):
        raws.extend(yaml.safe_load(path.read_text(encoding="utf-8")).get("items", []))
    keys = _split_keys(raws)
    items = []
    for raw in raws:
        label = raw.get("label")
        if not label or label == "drop":
            continue
        facts = raw.get("key_fact_any") or ([raw["key_fact"]] if raw.get("key_fact") else [])
        items.append(
            Item(
                id=raw["id"],
                topic=raw.get("topic", ""),
                text=str(raw["text"]),
                label=label,
                units=tuple(raw.get("units") or ()),
                key_facts=tuple(str(f) for f in facts),
                questions=tuple(raw.get("questions") or ()),
                units_per_question=tuple(tuple(u or ()) for u in raw.get("units_per_question") or ()),
                profile=dict(raw.get("profile") or {}),
                kind=raw.get("kind", ""),
                profile_slots=dict(raw.get("profile_slots") or {}),
                split_key=keys[raw["id"]],
            )
        )
    return items


def score_ranker(ranker, items: list, threshold: float) -> dict:
    """Top-1 accuracy on the answerable single questions, per topic, and the share of the
    unanswerable and out-of-scope ones on which the ranker abstains (best confidence below
    `threshold`). An answerable item on which the ranker abstains counts as wrong."""
    per_topic = defaultdict(lambda: [0, 0])
    answerable = correct = abstained_right = abstain_total = 0
    misses = []
    for item in items:
        if item.kind == "compound":
            continue
        best = ranker.rank(item.text, 1)
        sure = bool(best) and best[0].confidence >= threshold
        if item.label == "answerable":
            answerable += 1
            hit = sure and best[0].unit.id in item.units
            correct += hit
            per_topic[item.topic][0] += hit
            per_topic[item.topic][1] += 1
            if not hit:
                misses.append((item.id, item.text, best[0].unit.id if best else None, item.units))
        else:
            abstain_total += 1
            abstained_right += not sure
    return {
        "answerable": answerable,
        "top1": round(correct / answerable, 3) if answerable else None,
        "abstention": round(abstained_right / abstain_total, 3) if abstain_total else None,
        "unanswerable": abstain_total,
        "per_topic": {
            t: {"correct": c, "total": n, "top1": round(c / n, 3)} for t, (c, n) in sorted(per_topic.items())
        },
        "misses": misses,
    }


def score_decisions(ranker, items: list) -> dict:
    """What `ranker.decide` (bot/core/ranker.py) does with the single questions: on the
    answerable ones, the share answered right at once ("sure", or "likely" with the runner-up
    beside it, and its unit among the item's), the share where the right unit is among the
    two offered ("close"), the share answered wrong and the share left without an answer;
    the share of direct answers that are right (unanswerable questions included); and the
    share of unanswerable or out-of-scope questions on which it abstains ("none")."""
    kinds = defaultdict(int)
    for item in items:
        if item.kind == "compound":
            continue
        decision = ranker.decide(item.text)
        if item.label == "answerable":
            # « sure » and « likely » answer with the first unit; « close » offers both.
            offered = decision.best if decision.kind == "close" else decision.best[:1]
            right = any(r.unit.id in item.units for r in offered)
            kinds[("answerable", decision.kind, right)] += 1
        else:
            kinds[("other", decision.kind)] += 1
    answerable = sum(n for key, n in kinds.items() if key[0] == "answerable")
    others = sum(n for key, n in kinds.items() if key[0] == "other")
    sure = sum(n for key, n in kinds.items() if key[1] == "sure")

    def share(n: int, total: int):
        return round(n / total, 3) if total else None

    return {
        "answerable": answerable,
        "sure_right": share(kinds[("answerable", "sure", True)], answerable),
        "likely_right": share(kinds[("answerable", "likely", True)], answerable),
        "close_right": share(kinds[("answerable", "close", True)], answerable),
        "wrong": share(sum(kinds[("answerable", kind, False)] for kind in ("sure", "likely", "close")), answerable),
        "none": share(kinds[("answerable", "none", False)], answerable),
        "sure_precision": share(kinds[("answerable", "sure", True)], sure),
        "unanswerable": others,
        "abstention": share(kinds[("other", "none")], others),
    }
