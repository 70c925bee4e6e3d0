"""👍 / 👎 feedback on the assistant's answers, with an optional comment.

Feedback lives in the knowledge base's database, in a table of its own (its own metadata,
as the handover dossiers): reloading knowledge/ never touches it. Nothing identifies the
person beyond the conversation id the widget generated.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from sqlalchemy import Column, DateTime, Integer, String, Text, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, declarative_base

from bot.knowledge.store import check_connection

FeedbackBase = declarative_base()
RATINGS = ("up", "down")
MAX_COMMENT = 1000
MAX_QUOTED = 4000


class Feedback(FeedbackBase):
    __tablename__ = "answer_feedback"
    id = Column(Integer, primary_key=True, autoincrement=True)
    created_at = Column(DateTime, nullable=False, index=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    rating = Column(String(8), nullable=False)
    comment = Column(Text, nullable=False, default="")
    # The answer judged and the question it answered, as the user saw them.
    answer_text = Column(Text, nullable=False, default="")
    question_text = Column(Text, nullable=False, default="")


class InvalidFeedback(ValueError):
    """The message says, in French, what is wrong with the feedback."""


@dataclass
class FeedbackDraft:
    conversation_id: str
    rating: str
    comment: str = ""
    answer_text: str = ""
    question_text: str = ""
    created_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))


def draft(conversation_id, rating, comment=None, answer_text=None, question_text=None) -> FeedbackDraft:
    """A validated draft; raises InvalidFeedback on a bad rating or an oversized comment."""
    if rating not in RATINGS:
        raise InvalidFeedback("La note doit être « up » (👍) ou « down » (👎).")
    if not isinstance(conversation_id, str) or not conversation_id:
        raise InvalidFeedback("La conversation de cet avis est inconnue.")
    texts = []
    for value in (comment, answer_text, question_text):
        if value is not None and not isinstance(value, str):
            raise InvalidFeedback("Le commentaire doit être un texte.")
        texts.append((value or "").strip())
    comment, answer_text, question_text = texts
    if len(comment) > MAX_COMMENT:
        raise InvalidFeedback(
            f"Votre commentaire est trop long ({len(comment)} caractères) : "
            f"{MAX_COMMENT} au plus, merci de le raccourcir."
        )
    return FeedbackDraft(
        conversation_id=conversation_id,
        rating=rating,
        comment=comment,
        answer_text=answer_text[:MAX_QUOTED],
        question_text=question_text[:MAX_QUOTED],
    )


def store(engine: Engine, item: FeedbackDraft) -> int:
    """Writes the feedback; returns its id."""
    check_connection(engine)
    FeedbackBase.metadata.create_all(engine)
    with Session(engine, future=True) as session, session.begin():
        row = Feedback(
            created_at=item.created_at,
            conversation_id=item.conversation_id,
            rating=item.rating,
            comment=item.comment,
            answer_text=item.answer_text,
            question_text=item.question_text,
        )
        session.add(row)
        session.flush()
        return row.id


def read_all(engine: Engine, since: dt.datetime | None = None) -> list:
    """Every feedback, oldest first, as plain dicts."""
    check_connection(engine)
    FeedbackBase.metadata.create_all(engine)
    query = select(Feedback).order_by(Feedback.created_at, Feedback.id)
    if since is not None:
        query = query.where(Feedback.created_at >= since)
    with Session(engine, future=True) as session:
        return [
            {
                "id": f.id,
                "created_at": f.created_at.isoformat(timespec="seconds"),
                "conversation_id": f.conversation_id,
                "rating": f.rating,
                "comment": f.comment,
                "answer_text": f.answer_text,
                "question_text": f.question_text,
            }
            for f in session.execute(query).scalars().all()
        ]


CSV_COLUMNS = ("id", "created_at", "conversation_id", "rating", "comment", "question_text", "answer_text")


def export_csv(items: list) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for item in items:
        writer.writerow([item[column] for column in CSV_COLUMNS])
    return out.getvalue()
