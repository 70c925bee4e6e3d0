"""The days a review page covers, in the advisers' time zone, and how dates are shown.

Dates come from forms as AAAA-MM-JJ; a wrong one gets a French message saying what to
type, never an error page. Days are local to BOUSSOLE_TIMEZONE (Europe/Paris by default)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.config import settings

MAX_DAYS = 366


class InvalidPeriod(ValueError):
    """The message says, in French, what is wrong with the dates given."""


def timezone() -> ZoneInfo:
    """BOUSSOLE_TIMEZONE, checked when the website starts."""
    return ZoneInfo(settings.current().timezone)


@dataclass(frozen=True)
class Period:
    """From the start of `first` to the end of `last`, local days; None is open-ended."""

    first: dt.date | None = None
    last: dt.date | None = None
    tz: ZoneInfo = ZoneInfo("Europe/Paris")

    @property
    def start(self) -> float | None:
        return _midnight(self.first, self.tz) if self.first else None

    @property
    def end(self) -> float | None:
        return _midnight(self.last + dt.timedelta(days=1), self.tz) if self.last else None

    def days(self) -> list:
        if not (self.first and self.last):
            return []
        return [self.first + dt.timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def query(self) -> dict:
        """The query-string form of the period, for links and exports."""
        out = {}
        if self.first:
            out["du"] = self.first.isoformat()
        if self.last:
            out["au"] = self.last.isoformat()
        return out


def _midnight(day: dt.date, tz: ZoneInfo) -> float:
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).timestamp()


def _date(value: str | None, label: str) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidPeriod(
            f"Date {label} illisible (« {value[:20]} ») : écrivez-la sous la forme AAAA-MM-JJ, par exemple 2026-03-31."
        ) from None


def parse(first: str | None, last: str | None, default_days: int | None = None, today: dt.date | None = None) -> Period:
    """The period of a form (`du`, `au`). With `default_days`, a missing bound gives that
    many days ending today (charts); the span is capped at MAX_DAYS either way."""
    tz = timezone()
    today = today or dt.datetime.now(tz).date()
    start, end = _date(first, "de début"), _date(last, "de fin")
    if default_days:
        end = end or (today if not start else min(today, start + dt.timedelta(days=default_days - 1)))
        start = start or end - dt.timedelta(days=default_days - 1)
    if start and end and start > end:
        raise InvalidPeriod("La date de début est après la date de fin : inversez-les.")
    if start and end and (end - start).days + 1 > MAX_DAYS:
        raise InvalidPeriod(f"La période demandée dépasse {MAX_DAYS} jours : raccourcissez-la.")
    return Period(start, end, tz)


def local(timestamp: float | None, tz: ZoneInfo) -> dt.datetime | None:
    if timestamp is None:
        return None
    return dt.datetime.fromtimestamp(timestamp, tz)
