"""The queue of unanswered messages, newest first, each with the bot's first reply."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select

from bot.website.review import unanswered
from bot.website.review.events import loads, user_fields
from bot.website.review.period import Period
from bot.website.review.tracker import EVENTS, Page, TrackerReader

REPLY_EXCERPT = 300


@dataclass
class UnansweredMessage:
    event_id: int
    sender_id: str
    at: float | None
    text: str
    intent: str | None
    confidence: float | None
    channel: str | None
    reason: str
    reply: str

    @property
    def anchor(self) -> str:
        return f"tour-{self.event_id}"


def _first_replies(connection, rows) -> dict:
    """Anchor id → what the bot said right after that message (up to the next user
    message), for a page of rows: one query for the whole page."""
    e = EVENTS
    if not rows:
        return {}
    senders = sorted({row.sender_id for row in rows})
    found = connection.execute(
        select(e.c.sender_id, e.c.id, e.c.type_name, e.c.data)
        .where(
            e.c.sender_id.in_(senders), e.c.id > min(row.anchor_id for row in rows), e.c.type_name.in_(("bot", "user"))
        )
        .order_by(e.c.sender_id, e.c.id)
    ).all()
    by_sender: dict = {}
    for row in found:
        by_sender.setdefault(row.sender_id, []).append(row)
    replies = {}
    for row in rows:
        texts = []
        for event in by_sender.get(row.sender_id, []):
            if event.id <= row.anchor_id:
                continue
            if event.type_name == "user":
                break
            texts.append(loads(event.data).get("text") or "")
        reply = " / ".join(t for t in texts if t)
        replies[row.anchor_id] = reply if len(reply) <= REPLY_EXCERPT else reply[: REPLY_EXCERPT - 1].rstrip() + "…"
    return replies


def _messages(connection, rows) -> list:
    """UnansweredMessage for `rows` of the anchors query that have the user event's data."""
    replies = _first_replies(connection, rows)
    items = []
    for row in rows:
        fields = user_fields(loads(row.data))
        items.append(
            UnansweredMessage(
                event_id=row.anchor_id,
                sender_id=row.sender_id,
                at=row.timestamp,
                text=fields["text"],
                intent=fields["intent"],
                confidence=fields["confidence"],
                channel=fields["channel"],
                reason=unanswered.reason_of_rank(row.rank),
                reply=replies[row.anchor_id],
            )
        )
    return items


def _newest_first(missed):
    return (missed.c.timestamp.desc(), missed.c.anchor_id.desc())


def page(reader: TrackerReader, period: Period, number: int = 0, size: int = 50) -> Page:
    """A page of the queue, newest first."""
    if not reader.has_events():
        return Page([], number, size, 0)
    missed = unanswered.anchors(reader, period.start, period.end)
    with reader.connect() as connection:
        total = connection.execute(select(func.count()).select_from(missed)).scalar_one()
        rows = connection.execute(
            select(missed.c.anchor_id, missed.c.rank, missed.c.sender_id, missed.c.timestamp, EVENTS.c.data)
            .select_from(missed.join(EVENTS, EVENTS.c.id == missed.c.anchor_id))
            .order_by(*_newest_first(missed))
            .limit(size)
            .offset(number * size)
        ).all()
        return Page(_messages(connection, rows), number, size, total)


@dataclass
class _Row:
    anchor_id: int
    rank: int
    sender_id: str
    timestamp: float | None
    data: str | None = None


def iterate(reader: TrackerReader, period: Period, batch: int = 1000) -> Iterator[UnansweredMessage]:
    """The whole queue of `period`, newest first (for exports): the list of messages is
    computed once, then read a batch at a time on short connections, so that Rasa's writes
    never wait for the export."""
    if not reader.has_events():
        return
    missed = unanswered.anchors(reader, period.start, period.end)
    with reader.connect() as connection:
        listed = [
            _Row(*row)
            for row in connection.execute(
                select(missed.c.anchor_id, missed.c.rank, missed.c.sender_id, missed.c.timestamp).order_by(
                    *_newest_first(missed)
                )
            )
        ]
    for first in range(0, len(listed), batch):
        rows = listed[first : first + batch]
        with reader.connect() as connection:
            data = dict(
                connection.execute(
                    select(EVENTS.c.id, EVENTS.c.data).where(EVENTS.c.id.in_([row.anchor_id for row in rows]))
                ).all()
            )
            for row in rows:
                row.data = data.get(row.anchor_id)
            items = _messages(connection, rows)
        yield from items
