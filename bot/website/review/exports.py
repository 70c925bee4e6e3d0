"""CSV exports of the review pages: conversations, turns, unanswered messages, feedback
and handover requests.

Rows come out a batch at a time (a generator of CSV text), so that a long export neither
holds the whole store in memory nor blocks the website. Cells that a spreadsheet would
run as a formula (starting with =, +, -, @) are prefixed with an apostrophe: what users
typed is data, never a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from bot.website.review.period import local
from bot.website.review.unanswered import reason_label

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH_ROWS = 500

CONVERSATION_COLUMNS = ("conversation_id", "channels", "started_at", "last_activity_at", "turns", "unanswered")
TURN_COLUMNS = (
    "conversation_id",
    "turn_at",
    "user_text",
    "button",
    "intent",
    "confidence",
    "entities",
    "bot_replies",
    "actions",
    "unanswered",
)
UNANSWERED_COLUMNS = (
    "message_at",
    "conversation_id",
    "channel",
    "user_text",
    "intent",
    "confidence",
    "reason",
    "bot_reply",
)


def safe_cell(value) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _iso(timestamp, tz) -> str:
    moment = local(timestamp, tz)
    return moment.isoformat(timespec="seconds") if moment else ""


def _confidence(value) -> str:
    return "" if value is None else f"{value:.3f}"


def _csv(columns: tuple, rows: Iterable) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
        count += 1
        if count % BATCH_ROWS == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def conversations(summaries: Iterable, tz) -> Iterator[str]:
    return _csv(
        CONVERSATION_COLUMNS,
        (
            (s.sender_id, " ".join(s.channels), _iso(s.started, tz), _iso(s.last_activity, tz), s.turns, s.unanswered)
            for s in summaries
        ),
    )


def turns(pairs: Iterable, tz) -> Iterator[str]:
    """`pairs` of (conversation id, bot.website.review.events.Turn)."""
    return _csv(
        TURN_COLUMNS,
        (
            (
                sender,
                _iso(t.at, tz),
                t.text or "",
                t.button or "",
                t.intent or "",
                _confidence(t.confidence),
                "; ".join(f"{name}={value}" for name, value in t.entities),
                " | ".join(r.text for r in t.replies),
                " ".join(t.actions),
                reason_label(t.reason) if t.reason else "",
            )
            for sender, t in pairs
        ),
    )


def unanswered(messages: Iterable, tz) -> Iterator[str]:
    return _csv(
        UNANSWERED_COLUMNS,
        (
            (
                _iso(m.at, tz),
                m.sender_id,
                m.channel or "",
                m.text,
                m.intent or "",
                _confidence(m.confidence),
                reason_label(m.reason),
                m.reply,
            )
            for m in messages
        ),
    )


def neutralised(csv_text: str) -> Iterator[str]:
    """A CSV written elsewhere (feedback, handover dossiers), its cells made safe."""
    rows = csv.reader(io.StringIO(csv_text))
    header = next(rows, None)
    if header is None:
        return iter(())
    return _csv(tuple(header), rows)
