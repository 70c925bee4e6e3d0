"""A short follow-up is about the answer just given (issue #17).

After the crédit documentaire's entry, « c'est cher ? » asks about the crédit documentaire;
after the V.I.E's card, « combien ? » asks what a V.I.E costs. Alone, such a message gets a
menu or an entry on another subject. `answer` asks the ranker again with the follow-up and the
previous answer's subject, and answers only when it is sure of a unit on that subject that
holds a word of the follow-up; otherwise the caller answers as before.

A follow-up may also ask the previous question again with one condition changed: « et au
Royaume-Uni ? » after a question on proving the origin of goods for a Japanese client, « et si
c'est un particulier ? » after a question on VAT. `with_the_condition_changed` asks the ranker
the previous question with the new country in place of the one it named, or with the
follow-up's words added, and answers only when the ranker is sure (and, for a new word, of a
unit that holds it).

Used by the action server; pure Python, no Rasa import.
"""

from __future__ import annotations

import re

from bot.core import out_of_reach, unit_answers
from bot.core.ranker import SURE, certainty_of, runner_up
from bot.core.text import unquoted, words
from bot.knowledge.snapshot import KnowledgeBase

# A follow-up is short: few words, and at most this many meaningful ones (unit_answers'
# asked_terms: no stop word, no word of the aspects every card answers, no place). « c'est
# obligatoire ? », « et pour un particulier ? » have one; « quels documents la banque
# demande-t-elle pour un crédit documentaire ? » asks a question of its own.
MAX_TERMS = 1
MAX_WORDS = 8
# How many ranked units are looked through for one on the previous answer's subject.
_DEPTH = 30
# Metadata key of an answer to a follow-up that changed a condition: the question asked again,
# which the next follow-up changes in turn.
ASKED_KEY = "asked_again"


def _previous_turn(events: list) -> tuple:
    """(the user event that opened the previous turn or None, the bot events that answered it)
    — the turn before the latest user message. `events` as Rasa stores them."""
    users = [i for i, event in enumerate(events) if event.get("event") == "user"]
    if not users:
        return None, []
    start = users[-2] if len(users) > 1 else 0
    asked = events[start] if len(users) > 1 else None
    return asked, [event for event in events[start : users[-1]] if event.get("event") == "bot"]


def _units(bots: list) -> list:
    return [unit for event in bots if (unit := (event.get("metadata") or {}).get(unit_answers.UNIT_KEY))]


def last_answer_unit(events: list) -> str | None:
    """The answer unit of the previous turn: that of the last bot message, before the latest
    user message, that carries one (unit_answers.UNIT_KEY); None when the previous turn gave no
    answer (a menu, the honest reply) or there was none. `events` as Rasa stores them."""
    units = _units(_previous_turn(events)[1])
    return units[-1] if units else None


def last_question(events: list) -> str | None:
    """The question the previous turn's answer (last_answer_unit) answered: the message that
    opened that turn, or the question that message asked again (ASKED_KEY: « et au Mexique ? »
    after « et pour le Canada ? » changes the country of the question before). None when that
    turn gave no answer, or answered a company description or several questions
    (compound_answers: a profile line, several units, a unit beside an honest reply), whose words
    mix more than one question; None too for a button's payload."""
    asked, bots = _previous_turn(events)
    metadata = [event.get("metadata") or {} for event in bots]
    if len(_units(bots)) != 1 or any(
        m.get(unit_answers.PROFILE_KEY) or m.get(unit_answers.ABSTAINED_KEY) for m in metadata
    ):
        return None
    asked_again = next((m[ASKED_KEY] for m in metadata if m.get(ASKED_KEY)), None)
    text = (asked or {}).get("text") or ""
    return asked_again or (None if text.startswith("/") else text or None)


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


def answer(kb: KnowledgeBase, text: str, previous_unit: str | None, previous_question: str | None = None):
    """(slot updates, messages) for a follow-up: the previous question asked again with the
    condition the follow-up changes (with_the_condition_changed; `previous_question`,
    last_question), else a short follow-up on the previous answer (about_the_previous_answer);
    None when neither answers."""
    return with_the_condition_changed(kb, text, previous_question, previous_unit) or about_the_previous_answer(
        kb, text, previous_unit
    )


def about_the_previous_answer(kb: KnowledgeBase, text: str, previous_unit: str | None):
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


# « et pour la Chine ? », « et si c'est un particulier ? », « même question pour l'Irlande »:
# the words that open a follow-up changing one condition of the previous question (on
# text.unquoted text). « et c'est long ? » asks about the answer, not again with a new condition.
_NEW_CONDITION = re.compile(
    r"^(?:(?:ok|bon|d accord|alors) )?(?:et|mais) (?:pour|si|s il|en|au|aux|a|dans|avec|sans|chez|le|la|les|l|un|une"
    r"|des|du|de|d|quand|lorsque)\b"
    r"|^(?:meme question|meme chose|pareil|idem)\b"
)


def _condition(text: str) -> str:
    """The follow-up without the words that open it (« même question pour la Suisse » → « la
    Suisse »): « question » is no new condition."""
    opening = _NEW_CONDITION.match(unquoted(text))
    return unquoted(text)[opening.end() :] if opening else text


def names_only_a_country(kb: KnowledgeBase, text: str) -> bool:
    """Whether a short message names a country and asks nothing else (« et au Japon ? », « Inde ? »)."""
    return len(words(text)) <= MAX_WORDS and bool(kb.foreign_countries(text)) and not unit_answers.asked_terms(kb, text)


def changes_a_condition(kb: KnowledgeBase, text: str) -> bool:
    """Whether a message asks the previous question again with one condition changed: a short
    message that names only a country, or that opens like « et pour … », « et si … », « même
    question pour … » and says something (a country or a meaningful word)."""
    text = text or ""
    if text.startswith("/") or len(words(text)) > MAX_WORDS:
        return False
    if names_only_a_country(kb, text):
        return True
    return bool(_NEW_CONDITION.match(unquoted(text))) and bool(
        kb.foreign_countries(text) or unit_answers.asked_terms(kb, _condition(text))
    )


def reasked(kb: KnowledgeBase, text: str, previous_question: str) -> str:
    """The previous question asked again with the follow-up's condition: when the follow-up names
    a country, the countries the previous question named are taken out of it (the ranker and
    the country filters then read only the new one); the follow-up's words are added."""
    asked = previous_question
    if kb.foreign_countries(text):
        named = set(kb.foreign_countries(previous_question))
        for rid, phrase in kb.mention_phrases("country", previous_question):
            if rid in named:
                asked = _without(asked, phrase.split())
    return f"{' '.join(asked.split())} {text}"


# A word as typed (« États-Unis » is two, « V.I.E » three): text.words folds each one.
_TYPED_WORD = re.compile(r"[^\W_]+")


def _without(text: str, phrase: list) -> str:
    """`text` without the typed words that make up `phrase` (folded words, text.words), the rest
    as typed: the ranker reads « V.I.E » as one word, not its folded letters."""
    typed = [(match, folded) for match in _TYPED_WORD.finditer(text) for folded in words(match.group())]
    folded = [w for _, w in typed]
    for start in range(len(folded) - len(phrase) + 1):
        if folded[start : start + len(phrase)] == phrase:
            begin, end = typed[start][0].start(), typed[start + len(phrase) - 1][0].end()
            return _without(text[:begin] + text[end:], phrase)
    return text


def with_the_condition_changed(
    kb: KnowledgeBase, text: str, previous_question: str | None, previous_unit: str | None = None
):
    """(slot updates, messages) for a follow-up that changes one condition of the previous
    question (changes_a_condition), or None. The previous question asked again with the new
    condition (reasked) is answered when the ranker is sure of a unit; the country filters apply
    to it (unit_answers.decide). When the follow-up adds a meaningful word (« particulier »),
    that unit must hold it and not be the previous answer (`previous_unit`): otherwise the
    ranker did not read the new condition. A likely unit is not enough: « et pour 12 mois ? »
    after « Le V.I.E, combien ça coûte ? » finds the renewal entry likely, the programme's
    amounts answer better. None when there was no previous question (last_question) or nothing
    sure: the caller answers as before (a country's card, for « et pour la Chine ? »); None too
    for a follow-up that out_of_reach declines (« et si je suis un particulier ? »), which the
    caller declines."""
    if not previous_question or not changes_a_condition(kb, text) or out_of_reach.answer(kb, text):
        return None
    question = reasked(kb, text, previous_question)
    decision = unit_answers.decide(kb, question)
    if decision.kind != "sure":
        return None
    best = decision.best[0].unit
    added = unit_answers.asked_terms(kb, _condition(text)) - set(
        unit_answers.ranker_for(kb).query_terms(previous_question)
    )
    if added and (best.id == previous_unit or not added & unit_answers.unit_terms(kb)[best.id]):
        return None
    updates, messages = unit_answers.unit_reply(kb, best, question)
    first = dict(messages[0], metadata={**(messages[0].get("metadata") or {}), ASKED_KEY: question})
    return updates, [first, *messages[1:]]


def _unit(kb: KnowledgeBase, unit_id: str | None):
    if not unit_id:
        return None
    return next((u for u in unit_answers.ranker_for(kb).units if u.id == unit_id), None)
