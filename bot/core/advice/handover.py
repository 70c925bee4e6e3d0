"""The dossier handed over to an adviser, with the user's consent, and its export.

Dossiers live in the same database as the knowledge base but in their own tables (their
own metadata): reloading knowledge/ rebuilds the knowledge tables and never touches them.
Without consent, nothing is built and nothing is written.

A dossier is stored once per turn: the action that stores it may run twice for one user
message (its action server died before answering and nginx hands the call to another, or
a Rasa server died before saving the turn and the message is processed again). The
turn's message id then gives the same reference, and the second run finds the dossier
the first one wrote.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import secrets
from dataclasses import dataclass, field

from sqlalchemy import JSON, Column, DateTime, Integer, String, Text, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, declarative_base

from bot.core import citations
from bot.core.advice.company import CompanyProfile, describe, to_slots
from bot.core.advice.eligibility import VERDICT_LABELS, assess
from bot.knowledge.snapshot import KnowledgeBase
from bot.knowledge.store import check_connection, make_engine

HandoverBase = declarative_base()

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?:\+|00)\d{2}[\s.-]?\d(?:[\s.-]?\d{2}){4}|\b0\d(?:[\s.-]?\d{2}){4}\b")
_NAME_NOISE = re.compile(
    r"\b(je suis|je m'appelle|moi c'est|nom|email|e-mail|mail|tel|tél|téléphone|telephone|"
    r"mon|ma|mes|et|mobile|portable)\b",
    re.IGNORECASE,
)
MAX_NAME = 80


class Dossier(HandoverBase):
    __tablename__ = "handover_dossiers"
    id = Column(Integer, primary_key=True, autoincrement=True)
    reference = Column(String(24), nullable=False, unique=True)
    created_at = Column(DateTime, nullable=False)
    conversation_id = Column(String(128), nullable=False, index=True)
    region = Column(String(80))
    profile = Column(JSON, nullable=False)
    programmes = Column(JSON, nullable=False)
    open_questions = Column(JSON, nullable=False)
    contact = Column(JSON, nullable=False)
    # What the user agreed to, word for word, and when.
    consent = Column(Text, nullable=False)


@dataclass
class Contact:
    name: str | None = None
    email: str | None = None
    phone: str | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in (("name", self.name), ("email", self.email), ("phone", self.phone)) if v}


def parse_contact(text: str) -> Contact | None:
    """A name, an e-mail address and a phone number, in any order; None if none is found."""
    text = (text or "").strip()
    email = _EMAIL.search(text)
    phone = _PHONE.search(text)
    rest = text
    for match in (email, phone):
        if match:
            rest = rest.replace(match.group(), " ")
    rest = _NAME_NOISE.sub(" ", rest)
    name = " ".join(w for w in re.split(r"[\s,;/:]+", rest) if any(c.isalpha() for c in w)).strip(" .-")
    if not (email or phone):
        # A name alone is not a way to be reached back.
        return None
    return Contact(
        name=name[:MAX_NAME] or None,
        email=email.group() if email else None,
        phone=re.sub(r"[\s.-]", " ", phone.group()) if phone else None,
    )


@dataclass
class DossierDraft:
    conversation_id: str
    region: str | None
    profile: dict
    programmes: list
    open_questions: list
    contact: dict
    consent: str
    created_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))
    # The id of the user message whose turn stores the dossier (None: stored every time).
    turn_id: str | None = None


def build(
    kb: KnowledgeBase,
    conversation_id: str,
    company: CompanyProfile,
    programme_ids: list,
    open_questions: list,
    contact: dict,
    consent: str,
    turn_id: str | None = None,
) -> DossierDraft:
    """The dossier: the profile in plain French and normalised, each programme discussed
    with its eligibility trace, the questions left open, the contact details given."""
    programmes = []
    for pid in dict.fromkeys(programme_ids):
        if kb.get("programme", pid) is None:
            continue
        assessment = assess(kb, pid, company)
        programmes.append(
            {
                "id": pid,
                "name": kb.name("programme", pid),
                "verdict": VERDICT_LABELS[assessment.verdict],
                "checks": [f"{c.status} {c.explanation}" for c in assessment.checks],
                # The page its replies show first (a primary one when there is one).
                "source": citations.of_record(kb.get("programme", pid)).urls[0],
            }
        )
    return DossierDraft(
        conversation_id=conversation_id,
        region=company.region,
        profile={"facts": describe(kb, company), "values": to_slots(company)},
        programmes=programmes,
        open_questions=list(dict.fromkeys(open_questions)),
        contact=contact,
        consent=consent,
        turn_id=turn_id,
    )


def _reference(now: dt.datetime, conversation_id: str | None = None, turn_id: str | None = None) -> str:
    """Drawn at random, or taken from the turn so that a second run of it gives the same one."""
    if turn_id is None:
        suffix = secrets.token_hex(3)
    else:
        suffix = hashlib.sha256(f"{conversation_id}\0{turn_id}".encode()).hexdigest()[:6]
    return f"BX-{now:%Y%m%d}-{suffix.upper()}"


def store(engine: Engine, draft: DossierDraft) -> str:
    """Writes the dossier, once per turn; returns its reference."""
    check_connection(engine)
    HandoverBase.metadata.create_all(engine)
    reference = _reference(draft.created_at, draft.conversation_id, draft.turn_id)
    # A second attempt: the first found the reference taken by another conversation (then
    # draws one at random), or lost the race with another run of the same turn.
    for _ in range(2):
        try:
            with Session(engine, future=True) as session, session.begin():
                owner = session.execute(
                    select(Dossier.conversation_id).where(Dossier.reference == reference)
                ).scalar_one_or_none()
                if owner == draft.conversation_id:
                    return reference
                if owner is not None:
                    reference = _reference(draft.created_at)
                session.add(
                    Dossier(
                        reference=reference,
                        created_at=draft.created_at,
                        conversation_id=draft.conversation_id,
                        region=draft.region,
                        profile=draft.profile,
                        programmes=draft.programmes,
                        open_questions=draft.open_questions,
                        contact=draft.contact,
                        consent=draft.consent,
                    )
                )
            return reference
        except IntegrityError:
            continue
    raise RuntimeError(f"référence de dossier introuvable après deux essais : {reference}")


def store_at(url: str, draft: DossierDraft) -> str:
    """`store` on the database at `url`, its connections closed afterwards (a handover is
    rare: no pool is kept for it)."""
    engine = make_engine(url)
    try:
        return store(engine, draft)
    finally:
        engine.dispose()


def count(engine: Engine, conversation_id: str | None = None) -> int:
    HandoverBase.metadata.create_all(engine)
    with Session(engine, future=True) as session:
        query = select(Dossier)
        if conversation_id:
            query = query.where(Dossier.conversation_id == conversation_id)
        return len(session.execute(query).scalars().all())


def delete(engine: Engine, reference: str) -> bool:
    """Erases a dossier (the user asked for it); False if there is none by that reference."""
    check_connection(engine)
    HandoverBase.metadata.create_all(engine)
    with Session(engine, future=True) as session, session.begin():
        dossier = session.execute(select(Dossier).where(Dossier.reference == reference)).scalar_one_or_none()
        if dossier is None:
            return False
        session.delete(dossier)
        return True


def read_all(engine: Engine) -> list:
    check_connection(engine)
    HandoverBase.metadata.create_all(engine)
    with Session(engine, future=True) as session:
        rows = session.execute(select(Dossier).order_by(Dossier.created_at, Dossier.id)).scalars().all()
        return [
            {
                "reference": d.reference,
                "created_at": d.created_at.isoformat(timespec="seconds"),
                "conversation_id": d.conversation_id,
                "region": d.region,
                "profile": d.profile,
                "programmes": d.programmes,
                "open_questions": d.open_questions,
                "contact": d.contact,
                "consent": d.consent,
            }
            for d in rows
        ]


CSV_COLUMNS = (
    "reference",
    "created_at",
    "conversation_id",
    "region",
    "profile",
    "programmes",
    "open_questions",
    "contact_name",
    "contact_email",
    "contact_phone",
    "consent",
)


def export(dossiers: list, fmt: str) -> str:
    """The dossiers as JSON (complete) or CSV (one row each, lists joined by « | »)."""
    if fmt == "json":
        return json.dumps(dossiers, ensure_ascii=False, indent=2) + "\n"
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for d in dossiers:
        writer.writerow(
            [
                d["reference"],
                d["created_at"],
                d["conversation_id"],
                d["region"] or "",
                " | ".join(d["profile"]["facts"]),
                " | ".join(f"{p['name']} ({p['verdict']})" for p in d["programmes"]),
                " | ".join(d["open_questions"]),
                d["contact"].get("name", ""),
                d["contact"].get("email", ""),
                d["contact"].get("phone", ""),
                d["consent"],
            ]
        )
    return out.getvalue()
