"""A record's status as of today: the stored one, or « expired » once `valid_until` is past.

Statuses are written in knowledge/ by the people who checked the sources; a pôle's label, a
call for projects or a programme announced until a date stops being confirmed after it,
whether or not anyone edits the file. Every answer that shows or uses a status goes through
`effective_status`, with the day passed in, so that tests can freeze the clock on either
side of a date.
"""

from __future__ import annotations

import datetime as dt

from bot.knowledge.validation import EXPIRED

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
# No longer offered (ended) or no longer confirmed (expired): never listed as available.
GONE = ("ended", EXPIRED)


def french_date(day: dt.date) -> str:
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS[day.month - 1]} {day.year}"


def effective_status(record: dict, today: dt.date | None = None) -> str:
    """The stored status up to and including `valid_until`, « expired » after it. An ended
    record stays ended: its end date says more than the validity."""
    today = today or dt.date.today()
    status = record["status"]
    until = record.get("valid_until")
    if status != "ended" and until is not None and today > until:
        return EXPIRED
    return status


def is_gone(record: dict, today: dt.date | None = None) -> bool:
    return effective_status(record, today) in GONE


def validity_sentence(kind: str, record: dict, today: dt.date | None = None) -> str:
    """What to say about `valid_until`: after it, that the rest is not confirmed (never
    « actif »); before it, the date alone; nothing without one."""
    until = record.get("valid_until")
    if until is None or record["status"] == "ended":
        return ""
    when = french_date(until)
    if effective_status(record, today) == EXPIRED:
        if kind == "cluster":
            return f"⚠️ Labellisé jusqu'au {when} ; la suite n'est pas confirmée dans nos sources."
        if kind == "programme":
            return (
                f"⚠️ Annoncé jusqu'au {when} ; la suite n'est pas confirmée dans nos sources : "
                "vérifiez auprès de l'opérateur avant d'engager une démarche."
            )
        return f"⚠️ Information valable jusqu'au {when} ; la suite n'est pas confirmée dans nos sources."
    if kind == "cluster":
        return f"Labellisé jusqu'au {when}."
    if kind == "programme":
        return f"Annoncé jusqu'au {when}."
    return ""
