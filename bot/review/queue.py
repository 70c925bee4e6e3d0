"""The queue of unanswered messages, newest first, each with the bot's first reply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Optional

from sqlalchemy import and_, func, or_, select

from bot.review import unanswered
from bot.review.events import loads, user_fields
from bot.review.period import Period
from bot.review.tracker import EVENTS, Page, TrackerReader

REPLY_EXCERPT = 300


@dataclass
class UnansweredMessage:
    event_id: int
    sender_id: str
    at: Optional[float]
    text: str
    intent: Optional[str]
    confidence: Optional[float]
    channel: Optional[str]
    reason: str
    reply: str

    @property
    def anchor(self) -> str:
        return f"tour-{self.event_id}"


def _first_reply(connection, sender_id: str, event_id: int) -> str:
    """What the bot said right after the message (up to the next user message)."""
    e = EVENTS
    rows = connection.execute(select(e.c.type_name, e.c.data)
                              .where(e.c.sender_id == sender_id, e.c.id > event_id, e.c.type_name.in_(("bot", "user")))
                              .order_by(e.c.id).limit(3)).all()
    texts = []
    for kind, data in rows:
        if kind == "user":
            break
        texts.append(loads(data).get("text") or "")
    reply = " / ".join(t for t in texts if t)
    return reply if len(reply) <= REPLY_EXCERPT else reply[:REPLY_EXCERPT - 1].rstrip() + "…"


def page(reader: TrackerReader, period: Period, number: int = 0, size: int = 50,
         after: Optional["UnansweredMessage"] = None) -> Page:
    """A page of the queue, newest first; with `after`, the messages older than that one
    whatever arrived since (exports walk the queue this way)."""
    if not reader.has_events():
        return Page([], number, size, 0)
    missed = unanswered.anchors(reader, period.start, period.end)
    with reader.connect() as connection:
        total = connection.execute(select(func.count()).select_from(missed)).scalar_one()
        query = (select(missed.c.anchor_id, missed.c.rank, missed.c.sender_id, missed.c.timestamp, EVENTS.c.data)
                 .select_from(missed.join(EVENTS, EVENTS.c.id == missed.c.anchor_id))
                 .order_by(missed.c.timestamp.desc(), missed.c.anchor_id.desc()).limit(size))
        if after is not None:
            query = query.where(or_(missed.c.timestamp < after.at,
                                    and_(missed.c.timestamp == after.at, missed.c.anchor_id < after.event_id)))
        else:
            query = query.offset(number * size)
        rows = connection.execute(query).all()
        items = []
        for row in rows:
            fields = user_fields(loads(row.data))
            items.append(UnansweredMessage(
                event_id=row.anchor_id, sender_id=row.sender_id, at=row.timestamp, text=fields["text"],
                intent=fields["intent"], confidence=fields["confidence"], channel=fields["channel"],
                reason=unanswered.reason_of_rank(row.rank), reply=_first_reply(connection, row.sender_id, row.anchor_id)))
    return Page(items, number, size, total)


def iterate(reader: TrackerReader, period: Period, batch: int = 200) -> Iterator[UnansweredMessage]:
    last = None
    while True:
        items = page(reader, period, size=batch, after=last).items
        yield from items
        if len(items) < batch:
            return
        last = items[-1]
