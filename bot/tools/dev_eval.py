"""Measures the running assistant on the development set of real questions (issue #17).

Each question goes to Rasa's REST channel in a conversation of its own; the reply is read
back from the tracker, where each bot message keeps what the action put beside its text: the
answer unit it answers (`answer_unit`) or the mark of the honest reply (`abstained`). Scores:

- answerable questions: top-1 (the first unit answered is one of the item's units) and key
  fact (the reply's text contains one of the item's key facts, folded);
- unanswerable and out-of-scope questions: the share that gets an honest reply (the honest
  « pas d'information fiable », or the out-of-scope answer) rather than a card;
- « à un clic » (`one_tap`): among the answerable questions that get the honest reply (or the
  out-of-scope answer), the share whose right unit is among the units it offers as buttons
  (`offered_units`); beside it, the cost of those buttons: how many the unanswerable and
  out-of-scope questions get on average (`offered_per_unanswerable`).

Both halves are scored; the gates apply to the held-out half (bot/tools/dev_set.py).

    python -m bot.tools.dev_eval --rasa http://127.0.0.1:5005 [--token …] [--half heldout]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.compound_answers import PROFILE_KEY
from bot.core.replies import NOT_IN_KNOWLEDGE
from bot.core.text import fold
from bot.core.unit_answers import ABSTAINED_KEY, OFFERED_KEY, UNIT_KEY
from bot.rasa_client import RasaClient
from bot.tools import dev_set

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "tests" / "dev" / "collected"
RESULTS = ROOT / "bench" / "results"
OUT_OF_SCOPE_RESPONSE = "utter_out_of_scope"


@dataclass(frozen=True)
class Reply:
    text: str
    units: tuple  # the units answered, in order
    honest: bool  # the honest reply, or the out-of-scope answer
    profile: dict = field(default_factory=dict)  # compound messages: the facts read
    offered: tuple = ()  # the units the honest reply offers as buttons, in order
    intent: str = ""  # what the NLU read in the message, as « name confidence »
    entities: tuple = ()  # and its entities, as « entity=value »


def reply_of(events: list) -> Reply:
    """The bot's reply to the last user message of a tracker's events."""
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    bots = [e for e in events[last_user + 1 :] if e.get("event") == "bot"]
    parsed = (events[last_user].get("parse_data") or {}).get("intent") or {} if last_user >= 0 else {}
    intent = f"{parsed.get('name', '')} {parsed.get('confidence', 0):.2f}" if parsed else ""
    found = (events[last_user].get("parse_data") or {}).get("entities") or [] if last_user >= 0 else []
    entities = tuple(f"{e.get('entity')}={e.get('value')}" for e in found)
    texts, units, honest, profile, offered = [], [], False, {}, []
    for event in bots:
        metadata = event.get("metadata") or {}
        profile = profile or dict(metadata.get(PROFILE_KEY) or {})
        texts.append(event.get("text") or "")
        if metadata.get(UNIT_KEY):
            units.append(metadata[UNIT_KEY])
        offered.extend(metadata.get(OFFERED_KEY) or ())
        honest = honest or bool(metadata.get(ABSTAINED_KEY)) or metadata.get("utter_action") == OUT_OF_SCOPE_RESPONSE
        honest = honest or (event.get("text") or "").startswith(NOT_IN_KNOWLEDGE)
    return Reply("\n".join(texts), tuple(units), honest, profile, tuple(offered), intent, entities)


def has_fact(text: str, facts: tuple) -> bool:
    folded = fold(text)
    return any(fold(fact) in folded for fact in facts)


def share(n: int, d: int):
    return round(n / d, 3) if d else None


def precision_recall_f1(true_positive: int, predicted: int, expected: int) -> tuple:
    """Precision and recall (None without anything predicted or expected), and F1: 0.0 when
    either is nil, None when nothing was expected."""
    precision, recall = share(true_positive, predicted), share(true_positive, expected)
    if not expected:
        return precision, recall, None
    return precision, recall, round(2 * precision * recall / (precision + recall), 3) if precision and recall else 0.0


def profile_facts(profile: dict) -> set:
    """A profile as (field, value) pairs: one per country of `served` and `target`."""
    facts = set()
    for name in ("headcount", "region", "sector"):
        if profile.get(name) not in (None, ""):
            facts.add((name, str(profile[name])))
    for name in ("served", "target"):
        facts.update((name, str(value)) for value in profile.get(name) or ())
    return facts


def with_target(profile: dict) -> dict:
    """The profile read, its `target` falling back on the `country` slot (an older reply)."""
    target = profile.get("target") or ([profile["country"]] if profile.get("country") else [])
    return dict(profile, target=target)


def score_compound(items: list, replies: dict) -> dict:
    """The share of the questions inside compound messages that the reply answers (one of the
    question's units among the units answered), and the F1 of the profile facts read."""
    questions = answered = 0
    true_positive = predicted = expected = 0
    for item in items:
        if item.kind != "compound" or item.id not in replies:
            continue
        reply = replies[item.id]
        for units in item.units_per_question:
            if units:
                questions += 1
                answered += any(u in units for u in reply.units)
        if item.profile_slots:
            read = with_target(reply.profile)
            got, want = profile_facts(read), profile_facts(item.profile_slots)
            true_positive, predicted, expected = (
                true_positive + len(got & want),
                predicted + len(got),
                expected + len(want),
            )
    _, _, f1 = precision_recall_f1(true_positive, predicted, expected)
    return {"questions": questions, "answered": share(answered, questions), "profile_f1": f1}


def score(items: list, replies: dict) -> dict:
    """The figures of one set of items (one half), given each item's Reply by id."""
    topics = defaultdict(lambda: {"total": 0, "top1": 0, "key_fact": 0})
    answerable = top1 = facts = unanswerable = honest = 0
    abstained = one_tap = offered_beside = 0
    misses = []
    for item in items:
        if item.kind == "compound" or item.id not in replies:
            continue
        reply = replies[item.id]
        if item.label == "answerable":
            answerable += 1
            hit = bool(reply.units) and reply.units[0] in item.units
            fact = has_fact(reply.text, item.key_facts)
            top1, facts = top1 + hit, facts + fact
            row = topics[item.topic]
            row["total"], row["top1"], row["key_fact"] = row["total"] + 1, row["top1"] + hit, row["key_fact"] + fact
            if reply.honest:
                abstained += 1
                one_tap += any(u in item.units for u in reply.offered)
            if not hit:
                misses.append({"id": item.id, "expected": list(item.units), "answered": list(reply.units)})
        else:
            unanswerable += 1
            honest += reply.honest
            offered_beside += len(reply.offered)
    return {
        "answerable": answerable,
        "top1": share(top1, answerable),
        "key_fact": share(facts, answerable),
        "unanswerable": unanswerable,
        "honest": share(honest, unanswerable),
        "answerable_abstained": abstained,
        "one_tap": share(one_tap, abstained),
        "offered_per_unanswerable": round(offered_beside / unanswerable, 2) if unanswerable else None,
        "per_topic": {
            topic: dict(
                row, top1_share=share(row["top1"], row["total"]), key_fact_share=share(row["key_fact"], row["total"])
            )
            for topic, row in sorted(topics.items())
        },
        "misses": misses,
        "compound": score_compound(items, replies),
    }


def ask_all(client: RasaClient, items: list, workers: int = 4) -> dict:
    """Each item's Reply, each message in a new conversation."""

    def ask(item):
        sender = f"dev-{item.id}-{uuid.uuid4().hex[:8]}"
        client.send(sender, item.text)
        return item.id, reply_of(client.tracker(sender).get("events") or [])

    with ThreadPoolExecutor(workers) as pool:
        return dict(pool.map(ask, items))


def by_half(items: list, replies: dict) -> dict:
    return {half: score([i for i in items if i.half == half], replies) for half in dev_set.HALVES}


def measure(client: RasaClient, items: list) -> dict:
    return by_half(items, ask_all(client, items))


def transcripts(items: list, replies: dict) -> list:
    """What the assistant answered to each item of the TUNING half, to read its mistakes. The
    held-out half is never written out: reading its replies would be tuning on it."""
    rows = []
    for item in items:
        if item.half != "tuning" or item.id not in replies:
            continue
        reply = replies[item.id]
        rows.append(
            {
                "id": item.id,
                "topic": item.topic,
                "label": item.label,
                "kind": item.kind,
                "text": item.text,
                "expected": list(item.units),
                "key_facts": list(item.key_facts),
                "intent": reply.intent,
                "entities": list(reply.entities),
                "profile": reply.profile,
                "expected_profile": item.profile_slots,
                "answered": list(reply.units),
                "honest": reply.honest,
                "offered": list(reply.offered),
                "reply": reply.text,
            }
        )
    return rows


def summary(report: dict) -> str:
    lines = [
        f"{'moitié':10s} {'top-1':>6s} {'fait clé':>9s} {'honnête':>8s} {'questions':>10s} "
        f"{'composés : réponses':>20s} {'F1 profil':>10s} {'à un clic':>10s}"
    ]
    for half in dev_set.HALVES:
        r, c = report[half], report[half]["compound"]
        lines.append(
            f"{half:10s} {r['top1']!s:>6s} {r['key_fact']!s:>9s} {r['honest']!s:>8s} {r['answerable']:>10d} "
            f"{c['answered']!s:>20s} {c['profile_f1']!s:>10s} {r['one_tap']!s:>10s}"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.tools.dev_eval", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rasa", default="http://127.0.0.1:5005", help="adresse du serveur Rasa")
    parser.add_argument("--token", default="", help="jeton de l'API de Rasa (BOUSSOLE_RASA_TOKEN)")
    parser.add_argument(
        "--transcripts",
        type=Path,
        help="écrit aussi les réponses de la moitié de réglage (jamais l'autre) ici",
    )
    args = parser.parse_args(argv)
    items = dev_set.read(DEV)
    replies = ask_all(RasaClient(args.rasa, args.token), items)
    report = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        **by_half(items, replies),
    }
    if args.transcripts:
        args.transcripts.write_text(
            json.dumps(transcripts(items, replies), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    print(summary(report))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"devset-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"écrit : {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
