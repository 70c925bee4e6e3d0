"""Per day of a period: the user messages by intent, and the share left unanswered.

The database counts per hour (a few rows per hour and intent, whatever the traffic); the
hours are added up into the advisers' local days here. A message clarified through
« Vouliez-vous dire… » counts once (Rasa stores it twice under one message id).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select

from bot.website.review import unanswered
from bot.website.review.period import Period
from bot.website.review.tracker import EVENTS, TrackerReader

NO_INTENT = "(aucune)"


@dataclass
class Day:
    day: dt.date
    # Intent → messages (typed or sent by a button).
    intents: dict = field(default_factory=dict)
    # Typed messages, and those of them left unanswered.
    typed: int = 0
    unanswered: int = 0

    @property
    def messages(self) -> int:
        return sum(self.intents.values())

    @property
    def unanswered_share(self):
        """A fraction of the typed messages; None on a day without any."""
        return self.unanswered / self.typed if self.typed else None


def _local_day(hour: int, period: Period) -> dt.date:
    return dt.datetime.fromtimestamp(hour * 3600, period.tz).date()


def daily(reader: TrackerReader, period: Period) -> list:
    """One Day for each day of the period (which must be bounded), oldest first."""
    days = {day: Day(day) for day in period.days()}
    if not days or not reader.has_events():
        return list(days.values())
    e = EVENTS
    hour = reader.hour(e.c.timestamp)
    is_typed = unanswered.typed(reader, e)
    with reader.connect() as connection:
        counts = connection.execute(
            select(
                hour.label("hour"),
                e.c.intent_name,
                is_typed.label("typed"),
                func.count(func.distinct(reader.message_key(e))),
            )
            .where(e.c.type_name == "user", e.c.timestamp >= period.start, e.c.timestamp < period.end)
            .group_by(hour, e.c.intent_name, is_typed)
        ).all()
        missed = unanswered.anchors(reader, period.start, period.end)
        missed_hour = reader.hour(missed.c.timestamp)
        misses = connection.execute(select(missed_hour, func.count()).group_by(missed_hour)).all()
    for hour_value, intent, typed, count in counts:
        day = days.get(_local_day(hour_value, period))
        if day is None:
            continue
        name = intent or NO_INTENT
        day.intents[name] = day.intents.get(name, 0) + count
        if typed:
            day.typed += count
    for hour_value, count in misses:
        day = days.get(_local_day(hour_value, period))
        if day is not None:
            day.unanswered += count
    return list(days.values())


def intent_totals(days: list) -> list:
    """(intent, messages) over the period, most frequent first."""
    totals: dict = {}
    for day in days:
        for intent, count in day.intents.items():
            totals[intent] = totals.get(intent, 0) + count
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))
