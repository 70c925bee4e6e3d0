"""The profile read from the compound messages of the development set, offline (issue #17):
each message goes through the reading code of the action server (compound_answers.answer,
the facts it puts beside the profile line), without Rasa, and the facts read are compared with
the item's labelled profile, field by field. The questions inside them are scored as the
measure through the running bot scores them (dev_eval.score_compound): a question is answered
when one of its labelled units is among the units the reply answers.

No model is loaded: by default the figures measure what the sentences alone give, the part
of the reading that bot/ owns. With --country-entity, the NLU's `country` entity is stood in
for by the first country name or adjective of the message that its lookups hold, to show
what an extractor's country does to the reading. The gate itself stays the measure through
the running bot (bot/tools/dev_eval.py).

    python -m bot.tools.profile_eval [--half tuning] [--misses] [--country-entity]
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict

from bot.core import compound_answers, unit_answers
from bot.core.text import words
from bot.knowledge import store
from bot.knowledge.snapshot import KnowledgeBase
from bot.knowledge.validation import read_knowledge
from bot.tools import dev_eval, dev_set

FIELDS = ("headcount", "region", "sector", "served", "target")


def profile_read(kb: KnowledgeBase, text: str, entities: dict | None = None) -> dict:
    """The facts the bot puts beside its profile line for `text` ({} when it reads none)."""
    found = compound_answers.answer(kb, text, dict(entities or {}), {})
    if found is None:
        return {}
    for message in found[1]:
        facts = (message.get("metadata") or {}).get(compound_answers.PROFILE_KEY)
        if facts is not None:
            return dict(facts)
    return {}


def reply_read(kb: KnowledgeBase, text: str, entities: dict | None = None) -> dev_eval.Reply:
    """The bot's compound reply to `text` as the development set's measure reads it: the units
    answered and the profile facts; nothing when the message is no compound one (the running
    bot then answers it by its intent, which this offline measure cannot stand in for)."""
    found = compound_answers.answer(kb, text, dict(entities or {}), {})
    messages = found[1] if found is not None else []
    units = tuple(u for m in messages if (u := (m.get("metadata") or {}).get(unit_answers.UNIT_KEY)))
    return dev_eval.Reply(
        "\n".join(m.get("text") or "" for m in messages), units, False, profile_read(kb, text, entities)
    )


def first_country_label(kb: KnowledgeBase, text: str) -> dict:
    """{"country": …} with the first country name or adjective of `text` that the NLU's
    lookups hold (what its extractor most often tags), or {}."""
    padded = " " + " ".join(words(text)) + " "
    found = [(padded.find(f" {phrase} "), phrase) for _, phrase in kb.mention_phrases("country", text, nlu_only=True)]
    return {"country": min(found)[1]} if found else {}


def score_fields(pairs: list) -> dict:
    """field → {tp, read, expected, precision, recall, f1} over (read, labelled) profile
    pairs, and "all" the micro-average that the development set's gate uses."""
    counts = defaultdict(lambda: [0, 0, 0])
    for read, labelled in pairs:
        got, want = dev_eval.profile_facts(dev_eval.with_target(read)), dev_eval.profile_facts(labelled)
        for name in FIELDS:
            g = {fact for fact in got if fact[0] == name}
            w = {fact for fact in want if fact[0] == name}
            for row in (counts[name], counts["all"]):
                row[0] += len(g & w)
                row[1] += len(g)
                row[2] += len(w)
    table = {}
    for name in (*FIELDS, "all"):
        tp, read, expected = counts[name]
        precision, recall, f1 = dev_eval.precision_recall_f1(tp, read, expected)
        table[name] = {"tp": tp, "read": read, "expected": expected, "precision": precision, "recall": recall, "f1": f1}
    return table


def labelled_items(half: str) -> list:
    """The half's compound messages that carry a labelled profile."""
    return [i for i in dev_set.read(dev_eval.DEV) if i.kind == "compound" and i.half == half and i.profile_slots]


def table_text(table: dict) -> str:
    lines = [f"{'champ':10s} {'lus':>4s} {'attendus':>9s} {'justes':>7s} {'précision':>10s} {'rappel':>7s} {'F1':>6s}"]
    for name, row in table.items():
        lines.append(
            f"{name:10s} {row['read']:>4d} {row['expected']:>9d} {row['tp']:>7d} "
            f"{row['precision']!s:>10s} {row['recall']!s:>7s} {row['f1']!s:>6s}"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.tools.profile_eval", description=__doc__.split("\n\n")[0])
    parser.add_argument("--half", choices=dev_set.HALVES, default="tuning")
    parser.add_argument("--misses", action="store_true", help="les faits manqués ou en trop (moitié tuning seulement)")
    parser.add_argument(
        "--country-entity", action="store_true", help="le premier pays nommé tient lieu de l'entité `country` du NLU"
    )
    args = parser.parse_args(argv)
    if args.misses and args.half != "tuning":
        parser.error("--misses ne montre que la moitié tuning : la moitié held-out ne se lit pas")
    kb = store.in_memory(read_knowledge(dev_eval.ROOT / "knowledge"))
    compound_answers.prepare(kb)
    items = labelled_items(args.half)
    entities = [first_country_label(kb, item.text) if args.country_entity else {} for item in items]
    reads = [profile_read(kb, item.text, found) for item, found in zip(items, entities)]
    source = "le premier pays nommé pour entité `country`" if args.country_entity else "sans les entités du NLU"
    print(f"{len(items)} messages composés, moitié {args.half}, {source}")
    print(table_text(score_fields([(read, item.profile_slots) for read, item in zip(reads, items)])))
    compound = [i for i in dev_set.read(dev_eval.DEV) if i.kind == "compound" and i.half == args.half]
    answered = {
        item.id: reply_read(kb, item.text, first_country_label(kb, item.text) if args.country_entity else {})
        for item in compound
    }
    questions = dev_eval.score_compound(compound, answered)
    print(
        f"questions des {len(compound)} messages composés : {questions['questions']}, répondues {questions['answered']}"
    )
    if args.misses:
        for item in compound:
            units = answered[item.id].units
            for question, wanted in zip(item.questions, item.units_per_question):
                if wanted and not any(u in wanted for u in units):
                    print(f"\n{item.id}: sans réponse « {question} », attendu {list(wanted)}, donné {list(units)}")
        for item, read in zip(items, reads):
            got = dev_eval.profile_facts(dev_eval.with_target(read))
            want = dev_eval.profile_facts(item.profile_slots)
            if got != want:
                print(f"\n{item.id}: en trop {sorted(got - want)}, manqués {sorted(want - got)}\n  {item.text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
