"""Conversations (one per `sender_id`), most recent activity first, and the turns of one.

Each function runs a few bounded queries on one connection: a page of conversations, then
their counts; or one conversation, a page of its turns at a time. They are synchronous:
the website calls them in an executor.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import and_, func, select

from bot.website.review import unanswered
from bot.website.review.events import build_turns, loads
from bot.website.review.period import Period
from bot.website.review.tracker import EVENTS, Page, TrackerReader

TURN_EVENTS = ("user", "bot", "action", "session_started")
TURNS_PER_PAGE = 200


@dataclass
class ConversationSummary:
    sender_id: str
    started: float | None
    last_activity: float | None
    turns: int = 0
    unanswered: int = 0
    channels: list = field(default_factory=list)


@dataclass
class ConversationDetail:
    summary: ConversationSummary
    turns: list
    page: Page


def _grouped(period: Period):
    e = EVENTS
    query = select(
        e.c.sender_id, func.min(e.c.timestamp).label("started"), func.max(e.c.timestamp).label("last_activity")
    ).group_by(e.c.sender_id)
    if period.start is not None:
        query = query.having(func.max(e.c.timestamp) >= period.start)
    if period.end is not None:
        query = query.having(func.min(e.c.timestamp) < period.end)
    return query.subquery("conversations")


def _summaries(reader: TrackerReader, connection, rows) -> list:
    """Turns, unanswered messages and channels of the conversations in `rows`."""
    e = EVENTS
    senders = [row.sender_id for row in rows]
    if not senders:
        return []
    user = and_(e.c.type_name == "user", e.c.sender_id.in_(senders))
    turns = dict(
        connection.execute(
            select(e.c.sender_id, func.count(func.distinct(reader.message_key(e)))).where(user).group_by(e.c.sender_id)
        ).all()
    )
    channel = reader.json_text(e.c.data, "input_channel")
    channels: dict = {}
    for sender, name in connection.execute(
        select(e.c.sender_id, channel).where(user).distinct().order_by(e.c.sender_id, channel)
    ):
        if name:
            channels.setdefault(sender, []).append(name)
    missed = unanswered.anchors(reader, sender_ids=senders)
    counts = dict(connection.execute(select(missed.c.sender_id, func.count()).group_by(missed.c.sender_id)).all())
    return [
        ConversationSummary(
            row.sender_id,
            row.started,
            row.last_activity,
            turns.get(row.sender_id, 0),
            counts.get(row.sender_id, 0),
            channels.get(row.sender_id, []),
        )
        for row in rows
    ]


def page(reader: TrackerReader, period: Period, number: int = 0, size: int = 25) -> Page:
    """Conversations active during `period`, most recent activity first."""
    if not reader.has_events():
        return Page([], number, size, 0)
    grouped = _grouped(period)
    with reader.connect() as connection:
        total = connection.execute(select(func.count()).select_from(grouped)).scalar_one()
        rows = connection.execute(
            select(grouped)
            .order_by(grouped.c.last_activity.desc(), grouped.c.sender_id)
            .limit(size)
            .offset(number * size)
        ).all()
        return Page(_summaries(reader, connection, rows), number, size, total)


def _listed(reader: TrackerReader, period: Period) -> list:
    """Every conversation of `period`, newest first by their first event, listed once."""
    e = EVENTS
    query = select(
        e.c.sender_id,
        func.min(e.c.id).label("first_id"),
        func.min(e.c.timestamp).label("started"),
        func.max(e.c.timestamp).label("last_activity"),
    ).group_by(e.c.sender_id)
    if period.start is not None:
        query = query.having(func.max(e.c.timestamp) >= period.start)
    if period.end is not None:
        query = query.having(func.min(e.c.timestamp) < period.end)
    with reader.connect() as connection:
        return connection.execute(query.order_by(func.min(e.c.id).desc())).all()


def _batches(items: list, size: int):
    for first in range(0, len(items), size):
        yield items[first : first + size]


def iterate(reader: TrackerReader, period: Period, batch: int = 500) -> Iterator[ConversationSummary]:
    """Every conversation of `period` (for exports): listed once, then counted a batch at
    a time on short connections, so that Rasa's writes never wait for an export."""
    if not reader.has_events():
        return
    for rows in _batches(_listed(reader, period), batch):
        with reader.connect() as connection:
            summaries = _summaries(reader, connection, rows)
        yield from summaries


def detail(
    reader: TrackerReader, sender_id: str, number: int = 0, size: int = TURNS_PER_PAGE, period: Period | None = None
) -> ConversationDetail | None:
    """One conversation and a page of its turns (None if it does not exist); with a
    bounded `period`, only the turns whose message was sent during it."""
    if not reader.has_events():
        return None
    e = EVENTS
    mine = e.c.sender_id == sender_id
    bounded = period is not None and (period.start is not None or period.end is not None)
    with reader.connect() as connection:
        started, last_activity, events = connection.execute(
            select(func.min(e.c.timestamp), func.max(e.c.timestamp), func.count()).where(mine)
        ).one()
        if not events:
            return None
        # A page is a number of messages: a clarified message's copy does not start one.
        first_of_each = func.min(e.c.id)
        users = select(first_of_each.label("id")).where(mine, e.c.type_name == "user").group_by(reader.message_key(e))
        if bounded and period.start is not None:
            users = users.having(func.min(e.c.timestamp) >= period.start)
        if bounded and period.end is not None:
            users = users.having(func.min(e.c.timestamp) < period.end)
        total = connection.execute(select(func.count()).select_from(users.subquery())).scalar_one()
        ids = connection.execute(users.order_by(first_of_each).limit(size + 1).offset(number * size)).scalars().all()
        rows, reasons = [], {}
        if ids or not (bounded or number > 0):
            # Unbounded, the first page starts with what the bot said before any message.
            first_id = ids[0] if (bounded or number > 0) else None
            before_id = ids[size] if len(ids) > size else None
            if before_id is None and bounded and ids:
                # The last turn of the period ends where the next message begins.
                every_message = (
                    select(first_of_each.label("id"))
                    .where(mine, e.c.type_name == "user")
                    .group_by(reader.message_key(e))
                    .subquery()
                )
                before_id = connection.execute(
                    select(func.min(every_message.c.id)).where(every_message.c.id > ids[-1])
                ).scalar()
            query = select(e.c.id, e.c.type_name, e.c.timestamp, e.c.data).where(mine, e.c.type_name.in_(TURN_EVENTS))
            if first_id is not None:
                query = query.where(e.c.id >= first_id)
            if before_id is not None:
                query = query.where(e.c.id < before_id)
            rows = [
                (row.id, row.type_name, row.timestamp, loads(row.data))
                for row in connection.execute(query.order_by(e.c.id))
            ]
            missed = unanswered.anchors(reader, sender_ids=[sender_id], first_id=first_id, before_id=before_id)
            reasons = {
                anchor_id: unanswered.reason_of_rank(rank)
                for anchor_id, rank in connection.execute(select(missed.c.anchor_id, missed.c.rank))
            }
        summary = _summaries(reader, connection, [_Row(sender_id, started, last_activity)])[0]
    return ConversationDetail(summary, build_turns(rows, reasons), Page([], number, size, total))


@dataclass
class _Row:
    sender_id: str
    started: float | None
    last_activity: float | None


def iterate_turns(reader: TrackerReader, period: Period, batch: int = 100) -> Iterator[tuple]:
    """(conversation id, turn) for every turn of `period`, conversation after conversation;
    a batch of conversations is read in one query."""
    if not reader.has_events():
        return
    e = EVENTS
    for rows in _batches(_listed(reader, period), batch):
        senders = [row.sender_id for row in rows]
        with reader.connect() as connection:
            events: dict = {}
            for row in connection.execute(
                select(e.c.sender_id, e.c.id, e.c.type_name, e.c.timestamp, e.c.data)
                .where(e.c.sender_id.in_(senders), e.c.type_name.in_(TURN_EVENTS))
                .order_by(e.c.sender_id, e.c.id)
            ):
                events.setdefault(row.sender_id, []).append((row.id, row.type_name, row.timestamp, loads(row.data)))
            missed = unanswered.anchors(reader, sender_ids=senders)
            reasons = {
                anchor_id: unanswered.reason_of_rank(rank)
                for anchor_id, rank in connection.execute(select(missed.c.anchor_id, missed.c.rank))
            }
        for sender in senders:
            for turn in build_turns(events.get(sender, []), reasons):
                if _in_period(turn, period):
                    yield sender, turn


def _in_period(turn, period: Period) -> bool:
    if period.start is None and period.end is None:
        return True
    if turn.text is None or turn.at is None:
        return False
    return (period.start is None or turn.at >= period.start) and (period.end is None or turn.at < period.end)
