"""Read-only access to the `events` table of Rasa's SQLTrackerStore.

Rasa writes one row per event: `sender_id` (the conversation), `type_name` (`user`,
`bot`, `action`, `slot`, `session_started`, `rewind`…), a float `timestamp`,
`intent_name` for user messages, `action_name` for actions, and the whole event as JSON
in `data`. Only `sender_id` is indexed, so every query here is bounded (a page, a
conversation, a date range) and every connection carries a time limit: a large store
slows a review page down, never the website.

Connections are read-only: SQLite is opened with `mode=ro`, PostgreSQL sessions are
`READ ONLY`. Rasa's own `POSTGRESQL_SCHEMA` variable is honoured, as Rasa does.
"""

from __future__ import annotations

import json
import os
import time
import urllib.parse
from pathlib import Path

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, create_engine, event, func, inspect
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql import cast
from sqlalchemy.sql.elements import ColumnElement

QUERY_TIMEOUT_S = 15

# The table as Rasa 3.6 declares it (rasa/core/tracker_store.py, SQLTrackerStore.SQLEvent).
EVENTS = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


class TrackerUnavailable(RuntimeError):
    """The tracker store cannot be read; the message says why, in French."""


def _sqlite_read_only_url(url: str) -> tuple:
    """(read-only URL, database file) for a SQLite URL."""
    path = Path(make_url(url).database or "")
    quoted = urllib.parse.quote(str(path.resolve()))
    return f"sqlite:///file:{quoted}?mode=ro&uri=true", path


class TrackerReader:
    """The conversations Rasa stored at `url` (a SQLAlchemy URL, BOUSSOLE_TRACKER_URL)."""

    def __init__(self, url: str, timeout_s: float = QUERY_TIMEOUT_S):
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        self.label = parsed.render_as_string(hide_password=True)
        self.timeout_s = timeout_s
        self.sqlite_file: Path | None = None
        if self.dialect == "sqlite":
            url, self.sqlite_file = _sqlite_read_only_url(url)
            self.engine = create_engine(url, future=True)
            event.listen(self.engine, "checkout", self._sqlite_deadline)
        elif self.dialect == "postgresql":
            self.engine = create_engine(
                url, future=True, pool_size=2, max_overflow=2, pool_pre_ping=True, connect_args={"connect_timeout": 5}
            )
            event.listen(self.engine, "connect", self._postgresql_session)
        else:
            raise TrackerUnavailable(
                f"Le type de base « {self.dialect} » n'est pas pris en charge pour "
                "l'historique des conversations (sqlite ou postgresql)."
            )

    def _sqlite_deadline(self, dbapi_connection, connection_record, connection_proxy) -> None:
        deadline = time.monotonic() + self.timeout_s
        # SQLite has no statement timeout: the progress handler aborts a query past its
        # deadline (« interrupted »), which `run` turns into a French message.
        dbapi_connection.set_progress_handler(lambda: int(time.monotonic() > deadline), 20_000)

    def _postgresql_session(self, dbapi_connection, connection_record) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            cursor.execute(f"SET statement_timeout = {int(self.timeout_s * 1000)}")
            # The planner costs these queries high (a correlated lookup per candidate message),
            # past jit_above_cost: it would compile each one first, about 0.4 s of a 1.5 s
            # review page on a 400 000-event table, to run lookups that gain nothing from it.
            if dbapi_connection.server_version >= 110000:  # JIT exists since PostgreSQL 11
                cursor.execute("SET jit = off")
            schema = os.environ.get("POSTGRESQL_SCHEMA")
            if schema:
                cursor.execute("SELECT set_config('search_path', %s, false)", (schema,))
        dbapi_connection.commit()

    def close(self) -> None:
        self.engine.dispose()

    def has_events(self) -> bool:
        """False while Rasa has stored nothing yet (no database file, or no table)."""
        if self.sqlite_file is not None and not self.sqlite_file.exists():
            return False
        with self.connect() as connection:
            return inspect(connection).has_table("events")

    def connect(self):
        return _Connection(self)

    def json_text(self, column, *keys: str) -> ColumnElement:
        """The text at `keys` inside a JSON column (Rasa stores each event as JSON text)."""
        if self.dialect == "sqlite":
            return func.json_extract(column, "$." + ".".join(keys), type_=String)
        element = cast(column, postgresql.JSON)
        for key in keys[:-1]:
            element = element[key]
        return element[keys[-1]].astext

    def message_key(self, events) -> ColumnElement:
        """What tells two user messages apart: Rasa's message id (its two-stage fallback
        stores a clarified message twice under one id), else the event's own id."""
        return func.coalesce(self.json_text(events.c.data, "message_id"), cast(events.c.id, String))

    def hour(self, column) -> ColumnElement:
        """Whole hours since the epoch: every time zone of France is a whole number of
        hours from UTC, so hours add up exactly into local days."""
        if self.dialect == "sqlite":
            return cast(column / 3600, Integer)
        return cast(func.floor(column / 3600), Integer)


def row_of(sender_id: str, event: dict) -> dict:
    """The row Rasa's SQLTrackerStore.save writes for an event (its `as_dict()`)."""
    parse_data = event.get("parse_data") or {}
    intent = (parse_data.get("intent") or {}).get("name") if isinstance(parse_data, dict) else None
    return {
        "sender_id": sender_id,
        "type_name": event.get("event") or "",
        "timestamp": event.get("timestamp"),
        "intent_name": intent,
        "action_name": event.get("name"),
        "data": json.dumps(event),
    }


class EventsInMemory(TrackerReader):
    """One conversation's events (the dicts Rasa gives the action server) in an in-memory
    table written as Rasa writes its own: the review pages' queries run on it unchanged."""

    def __init__(self, events: list, sender_id: str = "conversation"):
        self.dialect, self.label, self.timeout_s, self.sqlite_file = "sqlite", "mémoire", QUERY_TIMEOUT_S, None
        self.engine = create_engine("sqlite://", future=True, poolclass=StaticPool)
        EVENTS.metadata.create_all(self.engine)
        with self.engine.begin() as connection:
            # The queries look back for the previous user message: keep that a lookup.
            connection.exec_driver_sql("CREATE INDEX events_by_type ON events (sender_id, type_name, id)")
        rows = [row_of(sender_id, e) for e in events if isinstance(e, dict)]
        if rows:
            with self.engine.begin() as connection:
                connection.execute(EVENTS.insert(), rows)


class _Connection:
    """A connection whose failures become TrackerUnavailable with a French message."""

    def __init__(self, reader: TrackerReader):
        self.reader = reader

    def __enter__(self):
        try:
            self.connection = self.reader.engine.connect()
        except (OperationalError, DBAPIError) as exc:
            raise TrackerUnavailable(_reason(self.reader, exc)) from None
        return self.connection

    def __exit__(self, kind, exc, tb):
        self.connection.close()
        if isinstance(exc, (OperationalError, DBAPIError)):
            raise TrackerUnavailable(_reason(self.reader, exc)) from None
        return False


def _reason(reader: TrackerReader, exc: Exception) -> str:
    detail = str(getattr(exc, "orig", exc) or exc).strip().splitlines()[0] if str(exc) else type(exc).__name__
    if "interrupted" in detail or "statement timeout" in detail:
        return f"La lecture de l'historique a dépassé {reader.timeout_s:.0f} s : choisissez une période plus courte."
    return (
        f"Historique des conversations illisible ({reader.label}) : {detail}. "
        "Vérifiez BOUSSOLE_TRACKER_URL et que la base est démarrée."
    )


class Page:
    """One page of a list: `items`, its number (from 0), the size of a page, the total."""

    def __init__(self, items: list, number: int, size: int, total: int):
        self.items, self.number, self.size, self.total = items, number, size, total

    @property
    def count(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 0

    @property
    def has_next(self) -> bool:
        return (self.number + 1) * self.size < self.total
