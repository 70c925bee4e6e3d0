"""Erasing one conversation on request, and removing old ones: `python -m bot privacy …`.

A conversation lives in three places:

- the tracker store of Rasa (`BOUSSOLE_TRACKER_URL`, table `events`, one row per event,
  `sender_id` = the conversation);
- the table `answer_feedback` (👍 / 👎 and comments) of the knowledge base's database
  (`BOUSSOLE_DB_URL`);
- the table `handover_dossiers` of the same database (the dossiers sent to an adviser).

The website's conversations are known to Rasa as `web-<numéro>`, while the widget shows the
person the number alone: both forms name the same conversation, in every store.

What this module cannot reach is said by `NOT_REACHED`: the servers' logs (they hold
message texts only with BOUSSOLE_LOG_MESSAGES=1), a Kafka topic (BOUSSOLE_KAFKA_URL) and
backups.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import create_engine, delete, event, func, inspect, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.config import settings
from bot.core.advice.handover import Dossier
from bot.website.feedback import Feedback
from bot.website.review.tracker import EVENTS
from bot.website.sessions import PREFIX as WEB_PREFIX

# Sender ids are at most 255 characters in Rasa's table; the website's are far shorter.
CONVERSATION_ID = re.compile(r"^\S{1,255}$")
DEFAULT_RETENTION_DAYS = settings.DEFAULT_RETENTION_DAYS
BATCH = 500
NOT_REACHED = (
    "Ne sont pas effacés par cette commande : les journaux des serveurs (ils ne contiennent le "
    "texte des messages qu'avec BOUSSOLE_LOG_MESSAGES=1), les événements déjà publiés dans "
    "Kafka (BOUSSOLE_KAFKA_URL) et les sauvegardes."
)


class PrivacyError(RuntimeError):
    """The message says, in French, what went wrong."""


def retention_days() -> int:
    """BOUSSOLE_RETENTION_DAYS: conversations idle for longer are removed by `purge`."""
    return settings.current().retention_days


def parse_age(text: str) -> int:
    """« 180d », « 180j » or « 180 » → 180 (days)."""
    match = re.fullmatch(r"\s*(\d{1,5})\s*([dj]?)\s*", text or "")
    if not match or int(match.group(1)) < 1:
        raise PrivacyError(f"Durée illisible « {text} » : écrivez un nombre de jours, par exemple 180d.")
    return int(match.group(1))


def forms(number: str) -> tuple:
    """Every id the conversation may have: the number the widget shows and Rasa's `web-…`."""
    number = number.strip()
    bare = _key(number)
    return (number, bare) if bare != number else (number, WEB_PREFIX + number)


def _key(conversation_id: str) -> str:
    """One key per conversation whatever its form (`web-abc` and `abc` are the same)."""
    if conversation_id.startswith(WEB_PREFIX) and len(conversation_id) > len(WEB_PREFIX):
        return conversation_id[len(WEB_PREFIX) :]
    return conversation_id


def tracker_url() -> str:
    return settings.current().tracker_url


def _engine(url: str, postgresql_schema: bool) -> Engine | None:
    """A writing engine, or None for a SQLite file that does not exist (nothing stored
    there yet: it is not created). The tracker store honours POSTGRESQL_SCHEMA as Rasa does."""
    parsed = make_url(url)
    dialect = parsed.get_backend_name()
    if dialect == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not os.path.exists(database):
            return None
        # Rasa may be writing at the same moment: wait for its lock instead of failing.
        return create_engine(url, future=True, connect_args={"timeout": 30})
    if dialect != "postgresql":
        raise PrivacyError(f"Le type de base « {dialect} » n'est pas pris en charge (sqlite ou postgresql).")
    engine = create_engine(url, future=True, connect_args={"connect_timeout": 5})
    schema = os.environ.get("POSTGRESQL_SCHEMA") if postgresql_schema else None
    if schema:

        @event.listens_for(engine, "connect")
        def _search_path(dbapi_connection, connection_record):
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT set_config('search_path', %s, false)", (schema,))
            dbapi_connection.commit()

    return engine


@dataclass
class Stores:
    """The two databases, each None when nothing was ever written there."""

    tracker: Engine | None
    data: Engine | None
    labels: dict = field(default_factory=dict)

    @classmethod
    def open(cls, tracker_url: str, data_url: str) -> Stores:
        from bot.knowledge.store import safe_url

        try:
            return cls(
                _engine(tracker_url, True),
                _engine(data_url, False),
                {"tracker": safe_url(tracker_url), "data": safe_url(data_url)},
            )
        except PrivacyError:
            raise
        except Exception as exc:  # noqa: BLE001 - a bad URL is said in French
            raise PrivacyError(f"Adresse de base illisible : {exc}") from None

    def close(self) -> None:
        for engine in (self.tracker, self.data):
            if engine is not None:
                engine.dispose()

    def _tables(self, engine: Engine | None, *names: str) -> dict:
        if engine is None:
            return {name: False for name in names}
        try:
            with engine.connect() as connection:
                inspector = inspect(connection)
                return {name: inspector.has_table(name) for name in names}
        except Exception as exc:  # noqa: BLE001 - an unreachable database is said in French
            which = "l'historique des conversations" if engine is self.tracker else "la base des avis et des dossiers"
            label = self.labels.get("tracker" if engine is self.tracker else "data", "")
            detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__
            raise PrivacyError(f"Impossible de joindre {which} ({label}) : {detail}") from None

    def present(self) -> dict:
        """Which of the three tables exist."""
        found = self._tables(self.tracker, "events")
        found.update(self._tables(self.data, Feedback.__tablename__, Dossier.__tablename__))
        return found


@dataclass
class Removed:
    """What was (or would be) removed, per store."""

    conversations: int = 0
    events: int = 0
    feedback: int = 0
    dossiers: list = field(default_factory=list)

    @property
    def anything(self) -> bool:
        return bool(self.events or self.feedback or self.dossiers)

    def add(self, other: Removed) -> None:
        self.conversations += other.conversations
        self.events += other.events
        self.feedback += other.feedback
        self.dossiers += other.dossiers


def _chunks(items: list, size: int = BATCH) -> Iterable[list]:
    for first in range(0, len(items), size):
        yield items[first : first + size]


def _remove(stores: Stores, tables: dict, ids: list, dry_run: bool) -> Removed:
    """Removes (or counts) everything stored under `ids`, in each store's own transaction."""
    removed = Removed()
    if not ids:
        return removed
    if tables.get("events"):
        with stores.tracker.begin() as connection:
            for chunk in _chunks(ids):
                where = EVENTS.c.sender_id.in_(chunk)
                if dry_run:
                    removed.events += connection.execute(
                        select(func.count()).select_from(EVENTS).where(where)
                    ).scalar_one()
                else:
                    removed.events += connection.execute(delete(EVENTS).where(where)).rowcount
    feedback_table, dossier_table = Feedback.__table__, Dossier.__table__
    if tables.get(Feedback.__tablename__) or tables.get(Dossier.__tablename__):
        with stores.data.begin() as connection:
            for chunk in _chunks(ids):
                if tables.get(Feedback.__tablename__):
                    where = feedback_table.c.conversation_id.in_(chunk)
                    if dry_run:
                        removed.feedback += connection.execute(
                            select(func.count()).select_from(feedback_table).where(where)
                        ).scalar_one()
                    else:
                        removed.feedback += connection.execute(delete(feedback_table).where(where)).rowcount
                if tables.get(Dossier.__tablename__):
                    where = dossier_table.c.conversation_id.in_(chunk)
                    removed.dossiers += list(
                        connection.execute(
                            select(dossier_table.c.reference).where(where).order_by(dossier_table.c.reference)
                        ).scalars()
                    )
                    if not dry_run:
                        connection.execute(delete(dossier_table).where(where))
    return removed


def erase(stores: Stores, number: str) -> Removed:
    """Erases the conversation `number` (either form) from every store."""
    number = (number or "").strip()
    if not CONVERSATION_ID.match(number):
        raise PrivacyError(f"Numéro de conversation invalide : « {number} ».")
    removed = _remove(stores, stores.present(), list(forms(number)), dry_run=False)
    removed.conversations = 1 if removed.anything else 0
    return removed


def _last_activity(stores: Stores, tables: dict) -> dict:
    """Conversation key → (epoch seconds of its last trace in any store, its ids)."""
    seen: dict = {}

    def note(conversation_id: str, at: float | None) -> None:
        last, ids = seen.setdefault(_key(conversation_id), [None, set()])
        ids.add(conversation_id)
        if at is not None and (last is None or at > last):
            seen[_key(conversation_id)][0] = at

    if tables.get("events"):
        with stores.tracker.connect() as connection:
            for sender_id, last in connection.execute(
                select(EVENTS.c.sender_id, func.max(EVENTS.c.timestamp)).group_by(EVENTS.c.sender_id)
            ):
                note(sender_id, last)
    for model in (Feedback, Dossier):
        if tables.get(model.__tablename__):
            table = model.__table__
            with stores.data.connect() as connection:
                for conversation_id, last in connection.execute(
                    select(table.c.conversation_id, func.max(table.c.created_at)).group_by(table.c.conversation_id)
                ):
                    note(conversation_id, _epoch(last))
    return seen


def _epoch(value) -> float | None:
    """Feedback and dossiers keep naive UTC datetimes (SQLite may return them as text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.timezone.utc).timestamp()


def purge(stores: Stores, days: int, dry_run: bool = False, now: float | None = None) -> Removed:
    """Removes the conversations whose last trace (event, feedback or dossier) is more than
    `days` days old, with their feedback and dossiers; `dry_run` only counts them."""
    cutoff = (time.time() if now is None else now) - days * 86400
    tables = stores.present()
    old = [ids for last, ids in _last_activity(stores, tables).values() if last is not None and last < cutoff]
    removed = Removed()
    for chunk in _chunks(old, 200):
        part = _remove(stores, tables, sorted(i for ids in chunk for i in ids), dry_run)
        removed.add(part)
    removed.conversations = len(old)
    return removed


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,}".replace(",", "\u202f") + " " + (one if n <= 1 else many)


def describe(removed: Removed, stores: Stores) -> list:
    """Lines in French: what each store holds of the conversations removed (or to remove)."""
    dossiers = _plural(len(removed.dossiers), "dossier", "dossiers")
    if removed.dossiers:
        dossiers += " (" + ", ".join(removed.dossiers[:10]) + (", …" if len(removed.dossiers) > 10 else "") + ")"
    return [
        f"  historique des conversations ({stores.labels.get('tracker', '')}) : "
        f"{_plural(removed.events, 'événement', 'événements')}",
        f"  avis 👍 / 👎 (table answer_feedback) : {_plural(removed.feedback, 'avis', 'avis')}",
        f"  dossiers pour les conseillers (table handover_dossiers) : {dossiers}",
    ]


def _print(text: str, error: bool = False) -> None:
    import sys

    print(text, file=sys.stderr if error else sys.stdout)


def _failed(exc: Exception) -> PrivacyError:
    detail = str(getattr(exc, "orig", exc) or exc).strip().splitlines()
    return PrivacyError(
        f"la base a refusé l'opération ({detail[0] if detail else type(exc).__name__}) : "
        "une partie a pu être supprimée, relancez la commande."
    )


def run_erase(number: str, tracker: str | None = None, data: str | None = None, say=_print) -> int:
    stores = Stores.open(tracker or tracker_url(), data or settings.current().db_url)
    try:
        try:
            removed = erase(stores, number)
        except SQLAlchemyError as exc:
            raise _failed(exc) from None
        if not removed.anything:
            say(
                f"Aucune donnée pour la conversation « {number} » : vérifiez le numéro (rien n'a été effacé).",
                error=True,
            )
            return 2
        say(f"Conversation « {number} » effacée :")
        for line in describe(removed, stores):
            say(line)
        say(NOT_REACHED)
        return 0
    finally:
        stores.close()


def run_purge(days: int | None, dry_run: bool, tracker: str | None = None, data: str | None = None, say=_print) -> int:
    days = retention_days() if days is None else days
    stores = Stores.open(tracker or tracker_url(), data or settings.current().db_url)
    try:
        try:
            removed = purge(stores, days, dry_run=dry_run)
        except SQLAlchemyError as exc:
            raise _failed(exc) from None
        conversations = _plural(removed.conversations, "conversation inactive", "conversations inactives")
        if dry_run:
            say(
                f"Simulation (--dry-run), rien n'est supprimé. À supprimer : {conversations} depuis plus de "
                f"{days} jours, soit :"
            )
        else:
            say(f"Supprimé : {conversations} depuis plus de {days} jours, soit :")
        for line in describe(removed, stores):
            say(line)
        return 0
    finally:
        stores.close()
