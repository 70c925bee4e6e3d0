"""Dates and numbers as the review pages show them, in French typography."""

from __future__ import annotations

import datetime as dt

SHORT_MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")
# French puts a narrow no-break space before « % » and between thousands.
NARROW_NBSP = "\u202f"


def short_date(day: dt.date, year: bool = True) -> str:
    """« 1er mars 2026 », « 10 mars »."""
    number = "1er" if day.day == 1 else str(day.day)
    text = f"{number} {SHORT_MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if year else text


def short_datetime(moment: dt.datetime | None) -> str:
    """« 2 déc. 2026, 18 h 05 »."""
    if moment is None:
        return "—"
    return f"{short_date(moment.date())}, {moment.hour} h {moment.minute:02d}"


def integer(value: int) -> str:
    return f"{value:,}".replace(",", NARROW_NBSP)


def percent(fraction: float | None, decimals: int = 0) -> str:
    """« 12 % », « 12,5 % »; « — » when there is nothing to divide."""
    if fraction is None:
        return "—"
    text = f"{fraction * 100:.{decimals}f}".replace(".", ",")
    return f"{text}{NARROW_NBSP}%"
