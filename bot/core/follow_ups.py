"""A short follow-up is about the answer just given (issue #17).

After the crédit documentaire's entry, « c'est cher ? » asks about the crédit documentaire;
after the V.I.E's card, « combien ? » asks what a V.I.E costs. Alone, such a message gets a
menu or an entry on another subject. `answer` asks the ranker again with the follow-up and the
previous answer's subject, and answers only when it is sure of a unit on that subject that
holds a word of the follow-up; otherwise the caller answers as before.

Used by the action server; pure Python, no Rasa import.
"""

from __future__ import annotations

from bot.core import unit_answers
from bot.core.ranker import SURE, certainty_of, runner_up
from bot.core.text import words
from bot.knowledge.snapshot import KnowledgeBase

# A follow-up is short: few words, and at most this many meaningful ones (unit_answers'
# asked_terms: no stop word, no word of the aspects every card answers, no place). « c'est
# obligatoire ? », « et pour un particulier ? » have one; « quels documents la banque
# demande-t-elle pour un crédit documentaire ? » asks a question of its own.
MAX_TERMS = 1
MAX_WORDS = 8
# How many ranked units are looked through for one on the previous answer's subject.
_DEPTH = 30


def last_answer_unit(events: list) -> str | None:
    """The answer unit of the previous turn: that of the last bot message, before the latest
    user message, that carries one (unit_answers.UNIT_KEY); None when the previous turn gave no
    answer (a menu, the honest reply) or there was none. `events` as Rasa stores them."""
    users = [i for i, event in enumerate(events) if event.get("event") == "user"]
    if not users:
        return None
    start = users[-2] if len(users) > 1 else 0
    for event in reversed(events[start : users[-1]]):
        unit = (event.get("metadata") or {}).get(unit_answers.UNIT_KEY) if event.get("event") == "bot" else None
        if unit:
            return unit
    return None


def is_short(kb: KnowledgeBase, text: str) -> bool:
    """Whether a message is short enough to lean on the answer before it (see MAX_TERMS)."""
    text = text or ""
    return (
        not text.startswith("/")
        and len(words(text)) <= MAX_WORDS
        and len(unit_answers.asked_terms(kb, text)) <= MAX_TERMS
    )


def on_the_subject(kb: KnowledgeBase, previous, unit) -> bool:
    """Whether `unit` is on the subject of the `previous` answer: a unit of the same record; for
    a FAQ entry, an entry of the same topic that links a programme or an organisation in common,
    or a record the entry links; for a record, a FAQ
    entry that links it or names it in its question (unit_answers.is_about)."""
    if (unit.kind, unit.record_id) == (previous.kind, previous.record_id):
        return True
    if previous.kind != "faq":
        return unit_answers.is_about(kb, unit, previous.kind, previous.record_id)
    faq = kb.get("faq", previous.record_id) or {}
    if unit.kind == "faq":
        # The same topic is too wide (« et ça coûte cher ? » after the documentary credit is not
        # about the cost of a SEPA transfer): the two entries must also link a programme or an
        # organisation in common (the ICC's rules for the documentary credit and collection).
        other = kb.get("faq", unit.record_id) or {}
        shared = any(set(faq.get(links, ())) & set(other.get(links, ())) for links in ("programmes", "organisations"))
        return other.get("topic") == faq.get("topic") and shared
    return unit.record_id in faq.get(f"{unit.kind}s", ())


def is_about_record(kb: KnowledgeBase, unit_id: str | None, kind: str, rid: str) -> bool:
    """Whether the unit `unit_id` is one of the record's units or a FAQ entry about it."""
    unit = _unit(kb, unit_id)
    return unit is not None and unit_answers.is_about(kb, unit, kind, rid)


def answer(kb: KnowledgeBase, text: str, previous_unit: str | None):
    """(slot updates, messages) for a short follow-up on the previous answer, or None.

    None when there was no previous answer, when the message is not short (is_short), when the
    ranker alone is sure of an answer, or when the follow-up and the previous answer's subject
    (its title: the FAQ's question, the record's name) together do not make the ranker sure of
    a unit on that subject (on_the_subject) that holds a word of the follow-up. The previous
    unit itself is no answer: giving it again would answer nothing more."""
    previous = _unit(kb, previous_unit)
    if previous is None or not is_short(kb, text):
        return None
    if unit_answers.decide(kb, text).kind == "sure":
        return None
    ranker = unit_answers.ranker_for(kb)
    asked = set(ranker.known_terms(text))
    held = unit_answers.unit_terms(kb)
    pool = [
        ranked
        for ranked in ranker.rank(f"{text} {previous.title}", _DEPTH)
        if on_the_subject(kb, previous, ranked.unit) and asked & held[ranked.unit.id]
    ]
    if not pool or pool[0].unit.id == previous.id:
        return None
    certainty, _ = certainty_of(pool[0], runner_up(pool))
    if certainty < SURE:
        return None
    return unit_answers.unit_reply(kb, pool[0].unit, text)


def _unit(kb: KnowledgeBase, unit_id: str | None):
    if not unit_id:
        return None
    return next((u for u in unit_answers.ranker_for(kb).units if u.id == unit_id), None)
