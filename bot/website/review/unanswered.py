"""Which user messages the assistant did not answer, and why.

A message typed by the user (a button click is not a question) is unanswered when:

- « incompris »: the classifier was unsure (intent `nlu_fallback`, which starts the
  two-stage fallback of data/rules/fallback.yml: « Vouliez-vous dire… », then a request
  to rephrase, then an adviser's contact) and the message was not answered all the same
  (below), or the bot then ran Rasa's fallback actions, asked to rephrase or gave
  `utter_default` (gibberish, an action with nothing to say);
- « hors sujet »: the bot answered `utter_out_of_scope` (from `action_out_of_scope`
  when the FAQ had nothing, or as a response);
- « pas dans la base »: the bot said it had no reliable information on the point (the
  honest reply: its text starts with replies.NOT_IN_KNOWLEDGE, or, when a compound reply
  heads it with the question, its metadata says `abstained`).

Since issue #17 the fallback actions ask the answer ranker first (answer_router.answer_unclear,
compound_answers.answer): a message the classifier was unsure of is often answered. So is a
message whose fallback the policies predicted, whatever its intent (RulePolicy's
core_fallback_threshold runs `action_default_fallback` when no rule fits), and the second
unclear message in a row, which the two-stage fallback hands to that same action. Such a
message is answered when a bot message after the user message (for a predicted fallback: after
the fallback action), before the next user message, carries in its metadata an answer unit
(`answer_unit`), the honest reply's mark (`abstained`) or the company profile it read
(`profile`: the same three keys ActionDefaultFallback takes for an answer). Such a message is
never « incompris »: answered by a unit or a profile it is not listed at all; given the honest
reply, whatever buttons come with it, it is « pas dans la base », because it was understood
well enough to be searched, and what the adviser can do about it is write the missing entry.

Everything is decided in SQL, on what Rasa stores: the intent column, the action names,
and for bot messages the response name Rasa keeps in their metadata (`utter_action`), the
metadata the action server adds (above) or the start of their text. The list, the counts
per conversation and per day, and the marks on the turns of a conversation all come from
the one query `anchors` builds; so does the list of « questions restées sans réponse » of
an adviser's dossier (`in_events`, run on the events the action server receives).
"""

from __future__ import annotations

from sqlalchemy import and_, case, func, literal, not_, or_, select

from bot.core.compound_answers import PROFILE_KEY
from bot.core.replies import NOT_IN_KNOWLEDGE
from bot.core.unit_answers import ABSTAINED_KEY, UNIT_KEY
from bot.website.review.events import loads
from bot.website.review.tracker import EVENTS, EventsInMemory, TrackerReader

NOT_UNDERSTOOD, OUT_OF_SCOPE, NO_ANSWER = "not_understood", "out_of_scope", "no_answer"
REASONS = {NOT_UNDERSTOOD: "incompris", OUT_OF_SCOPE: "hors sujet", NO_ANSWER: "pas dans la base"}
# One reason per message, the first that applies.
_RANKS = (NOT_UNDERSTOOD, OUT_OF_SCOPE, NO_ANSWER)

# Actions the policies may predict directly (the two-stage fallback runs the first three
# inside `action_two_stage_fallback`, whose own runs are read through the intent).
NOT_UNDERSTOOD_ACTIONS = (
    "action_default_fallback",
    "action_default_ask_affirmation",
    "action_default_ask_rephrase",
    "utter_ask_rephrase",
    "utter_default",
)
OUT_OF_SCOPE_ACTIONS = ("utter_out_of_scope",)
NOT_UNDERSTOOD_RESPONSES = ("utter_ask_rephrase", "utter_default")
OUT_OF_SCOPE_RESPONSES = ("utter_out_of_scope",)
FALLBACK_INTENT = "nlu_fallback"
# Metadata of a bot message that shows the message before it was answered (see above).
ANSWERED_KEYS = (UNIT_KEY, ABSTAINED_KEY, PROFILE_KEY)


def reason_label(code: str) -> str:
    return REASONS.get(code, code)


def _marker_rank(reader: TrackerReader, e):
    """1, 2 or 3 (the index in _RANKS, plus one) for an event that shows the message
    before it went unanswered; NULL otherwise."""
    response = reader.json_text(e.c.data, "metadata", "utter_action")
    text = reader.json_text(e.c.data, "text")
    is_action, is_bot = e.c.type_name == "action", e.c.type_name == "bot"
    return case(
        (and_(is_action, e.c.action_name.in_(NOT_UNDERSTOOD_ACTIONS)), 1),
        (and_(is_action, e.c.action_name.in_(OUT_OF_SCOPE_ACTIONS)), 2),
        (and_(is_bot, response.in_(NOT_UNDERSTOOD_RESPONSES)), 1),
        (and_(is_bot, response.in_(OUT_OF_SCOPE_RESPONSES)), 2),
        (and_(is_bot, text.startswith(NOT_IN_KNOWLEDGE, autoescape=True)), 3),
        (and_(is_bot, reader.json_text(e.c.data, "metadata", ABSTAINED_KEY).isnot(None)), 3),
        else_=None,
    )


def _answered(reader: TrackerReader, e):
    """Whether a bot message after event `e` (a user message, or the fallback action the
    policies predicted for one) and before the next user message of its conversation carries
    one of ANSWERED_KEYS: a lookup among the conversation's events (Rasa
    indexes `sender_id`; the in-memory table of `in_events` has (sender_id, type_name, id)).

    It is written as a correlated scalar subquery, « (first such bot event) IS NOT NULL », not
    as EXISTS: PostgreSQL turns a NOT EXISTS into an anti-join that parses the JSON of every
    bot event of the table, whatever the period asked; a scalar subquery stays one lookup per
    candidate message. Only the lower end of the id range is an index bound: with Rasa's index
    on `sender_id` alone, PostgreSQL would otherwise AND it with a range of the primary key
    that runs to the end of the table for the last message of a conversation."""
    b, n = EVENTS.alias("answer"), EVENTS.alias("next_user")
    next_user = (
        select(func.min(n.c.id))
        .where(n.c.sender_id == e.c.sender_id, n.c.type_name == "user", n.c.id > e.c.id)
        .correlate_except(n)  # `e` is two levels up: say so
        .scalar_subquery()
    )
    return (
        select(b.c.id)
        .where(
            b.c.sender_id == e.c.sender_id,
            b.c.type_name == "bot",
            b.c.id > e.c.id,
            b.c.id < func.coalesce(next_user, b.c.id + 1),
            or_(*(reader.json_text(b.c.data, "metadata", key).isnot(None) for key in ANSWERED_KEYS)),
        )
        .limit(1)
        .scalar_subquery()
        .isnot(None)
    )


def typed(reader: TrackerReader, e):
    """A user message typed by the user: a button sends its payload (« /intent{…} »)."""
    return not_(func.coalesce(reader.json_text(e.c.data, "text"), "").startswith("/"))


def anchors(reader: TrackerReader, start=None, end=None, sender_ids=None, first_id=None, before_id=None):
    """A subquery of the unanswered messages: `anchor_id` (the id of the user event),
    `sender_id`, `timestamp` and `rank` (see _RANKS), filtered by time, by conversations
    or by event ids (first_id <= id < before_id)."""
    m, u, unsure_user, anchor = (EVENTS.alias(name) for name in ("marker", "earlier_user", "unsure_user", "anchor"))
    rank = _marker_rank(reader, m)
    previous_user = (
        select(func.max(u.c.id))
        .where(u.c.sender_id == m.c.sender_id, u.c.type_name == "user", u.c.id < m.c.id)
        .scalar_subquery()
    )
    fallback_action = and_(m.c.type_name == "action", m.c.action_name.in_(NOT_UNDERSTOOD_ACTIONS))
    markers = select(previous_user.label("anchor_id"), rank.label("rank")).where(
        or_(
            and_(m.c.type_name == "action", m.c.action_name.in_(NOT_UNDERSTOOD_ACTIONS + OUT_OF_SCOPE_ACTIONS)),
            m.c.type_name == "bot",
        ),
        rank.isnot(None),
        # A predicted fallback action asks the ranker first: what it said decides, as for an
        # unsure message. The action test comes first so that only these few actions pay for
        # the lookup.
        or_(not_(fallback_action), not_(_answered(reader, m))),
    )
    unsure = select(unsure_user.c.id.label("anchor_id"), literal(1).label("rank")).where(
        unsure_user.c.type_name == "user",
        unsure_user.c.intent_name == FALLBACK_INTENT,
        not_(_answered(reader, unsure_user)),
    )
    # A marker comes after its message: the message's bounds bound the markers' scan too.
    if start is not None:
        markers = markers.where(m.c.timestamp >= start)
        unsure = unsure.where(unsure_user.c.timestamp >= start)
    if end is not None:
        unsure = unsure.where(unsure_user.c.timestamp < end)
    if sender_ids is not None:
        markers = markers.where(m.c.sender_id.in_(sender_ids))
        unsure = unsure.where(unsure_user.c.sender_id.in_(sender_ids))
    if first_id is not None:
        markers = markers.where(m.c.id > first_id)
        unsure = unsure.where(unsure_user.c.id >= first_id)
    if before_id is not None:
        unsure = unsure.where(unsure_user.c.id < before_id)
    both = markers.union_all(unsure).subquery("candidates")
    # A marker before any user message has no anchor (NULL): the join on the anchor below drops
    # it; a filter here would make PostgreSQL look the anchor up a second time.
    per_message = (
        select(both.c.anchor_id, func.min(both.c.rank).label("rank")).group_by(both.c.anchor_id).subquery("per_message")
    )
    query = (
        select(per_message.c.anchor_id, per_message.c.rank, anchor.c.sender_id, anchor.c.timestamp)
        .select_from(per_message.join(anchor, anchor.c.id == per_message.c.anchor_id))
        .where(typed(reader, anchor))
    )
    if start is not None:
        query = query.where(anchor.c.timestamp >= start)
    if end is not None:
        query = query.where(anchor.c.timestamp < end)
    if first_id is not None:
        query = query.where(anchor.c.id >= first_id)
    if before_id is not None:
        query = query.where(anchor.c.id < before_id)
    return query.subquery("unanswered")


def reason_of_rank(rank: int) -> str:
    return _RANKS[int(rank) - 1]


def in_events(events: list) -> list:
    """(text, reason code) of each message of one conversation left unanswered, in order,
    each text once: `anchors` run on the conversation's events (Rasa's event dicts, as the
    action server receives them), so that a dossier and the review pages agree."""
    reader = EventsInMemory(events)
    try:
        missed = anchors(reader)
        with reader.connect() as connection:
            rows = connection.execute(
                select(missed.c.rank, EVENTS.c.data)
                .select_from(missed.join(EVENTS, EVENTS.c.id == missed.c.anchor_id))
                .order_by(missed.c.anchor_id)
            ).all()
    finally:
        reader.close()
    found = {}
    for rank, data in rows:
        text = (loads(data).get("text") or "").strip()
        if text and text not in found:
            found[text] = reason_of_rank(rank)
    return list(found.items())
