"""Moves validated records into the database and back out.

The database is derived from knowledge/: `load` replaces its whole content in one
transaction, so readers see either the old knowledge base or the new one, never a mix, and
a failure leaves the old one in place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from sqlalchemy import Column, DateTime, String, Text, create_engine, delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from bot.knowledge import editorial
from bot.knowledge.models import MODEL_OF_KIND, Base, Criterion, Departement, EditorialList, Source
from bot.knowledge.snapshot import KnowledgeBase
from bot.knowledge.validation import KINDS, Dataset


class Meta(Base):
    __tablename__ = "kb_meta"
    key = Column(String(40), primary_key=True)
    value = Column(Text, nullable=False)
    updated_at = Column(DateTime, nullable=False)


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached or opened; the message says what to do, in French."""


def schema_fingerprint() -> str:
    """Changes whenever a table or column changes, so that old tables get rebuilt."""
    parts = []
    for table in sorted(Base.metadata.tables.values(), key=lambda t: t.name):
        parts.append(table.name + ":" + ",".join(f"{c.name} {c.type}" for c in table.columns))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///") :])
        if str(path) not in ("", ":memory:"):
            path.parent.mkdir(parents=True, exist_ok=True)
    kwargs = {"future": True}
    if url.startswith("postgresql"):
        # A wrong host must fail fast with a clear message, not hang.
        kwargs["connect_args"] = {"connect_timeout": 5}
    return create_engine(url, **kwargs)


NOT_LOADED = "La base de connaissances est vide : lancez « python -m bot kb load » (ou « make kb-load »)."


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, None for another database or an in-memory one."""
    if not url.startswith("sqlite:///"):
        return None
    path = url[len("sqlite:///") :].split("?", 1)[0]
    return None if path in ("", ":memory:") else Path(path)


def existing_engine(url: str) -> Engine:
    """An engine on a database that must already exist: a missing SQLite file is reported
    (in French, with what to run) instead of being created empty by the first connection."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise DatabaseUnavailable(
            f"Aucune base de données dans {path} : lancez « python -m bot kb load » "
            "(ou « make kb-load ») pour la créer."
        )
    return make_engine(url)


def safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def check_connection(engine: Engine) -> None:
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailable(
            f"Base de données injoignable ({safe_url(str(engine.url))}) : {reason}. "
            "Vérifiez BOUSSOLE_DB_URL et que le serveur est démarré."
        ) from None


def _json_safe(value):
    """JSON columns cannot hold dates: store them as ISO strings."""
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _rows_for(kind: str, record: dict) -> list:
    model = MODEL_OF_KIND[kind]
    columns = {c.name for c in model.__table__.columns}
    values = {}
    for name, value in record.items():
        column = "name" if (kind == "faq" and name == "question") else name
        if column in columns:
            values[column] = _json_safe(value) if isinstance(value, (list, dict)) else value
    rows = [model(**values)]
    for position, src in enumerate(record["sources"]):
        rows.append(
            Source(
                kind=kind,
                record_id=record["id"],
                position=position,
                url=src["url"],
                seen_on=src["seen_on"],
                page_date=src.get("page_date"),
                title=src.get("title"),
                primary=bool(src.get("primary")),
                about=src.get("about"),
            )
        )
    for position, dep in enumerate(record.get("departements", [])):
        rows.append(
            Departement(
                code=dep["code"],
                name=dep["name"],
                region_id=record["id"],
                position=position,
                cities=list(dep.get("cities", [])),
                areas=list(dep.get("areas", [])),
            )
        )
    for position, crit in enumerate(record.get("eligibility", [])):
        number = (
            crit["value"] if isinstance(crit["value"], (int, float)) and not isinstance(crit["value"], bool) else None
        )
        rows.append(
            Criterion(
                programme_id=record["id"],
                position=position,
                criterion=crit["criterion"],
                number=number,
                value=crit["value"],
                label=crit["label"],
            )
        )
    return rows


def _prepare_schema(engine: Engine) -> None:
    fingerprint = schema_fingerprint()
    Base.metadata.create_all(engine)
    with Session(engine, future=True) as session:
        stored = session.get(Meta, "schema")
        current = stored.value if stored else None
    if current is not None and current != fingerprint:
        # The tables hold nothing that knowledge/ cannot rebuild.
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)


def load(dataset: Dataset, engine: Engine, content_hash: str = "") -> dict:
    """Replaces the database content with `dataset`, atomically. Returns counts per kind."""
    check_connection(engine)
    _prepare_schema(engine)
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    with Session(engine, future=True) as session, session.begin():
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
        # Parents first: organisations before programmes, regions before départements.
        for kind in KINDS:
            rows = [row for record in dataset.records[kind].values() for row in _rows_for(kind, record)]
            head = [r for r in rows if isinstance(r, MODEL_OF_KIND[kind])]
            session.add_all(head)
            session.flush()
            session.add_all([r for r in rows if not isinstance(r, MODEL_OF_KIND[kind])])
            session.flush()
        session.add_all(
            [EditorialList(name=name, items=items) for name, items in dataset.editorial.to_content().items()]
        )
        session.add(Meta(key="schema", value=schema_fingerprint(), updated_at=now))
        session.add(Meta(key="content", value=content_hash, updated_at=now))
    return {kind: dataset.count(kind) for kind in KINDS}


def _record_from_row(kind: str, row, sources: list) -> dict:
    record = {}
    for column in row.__table__.columns:
        value = getattr(row, column.name)
        if value is None or value == []:
            continue
        name = "question" if (kind == "faq" and column.name == "name") else column.name
        record[name] = value
    if kind == "region":
        record["departements"] = [
            dict(
                {"code": d.code, "name": d.name},
                **({"cities": list(d.cities)} if d.cities else {}),
                **({"areas": list(d.areas)} if d.areas else {}),
            )
            for d in row.departements
        ]
    if kind == "programme" and row.criteria:
        record["eligibility"] = [{"criterion": c.criterion, "value": c.value, "label": c.label} for c in row.criteria]
    if kind == "country" and record.get("eu_agreement", {}).get("since"):
        record["eu_agreement"] = dict(
            record["eu_agreement"], since=dt.date.fromisoformat(record["eu_agreement"]["since"])
        )
    record["sources"] = sources
    return record


def read_records(engine: Engine) -> dict:
    """The whole knowledge base as kind → id → record, in the shape the YAML validator gives."""
    check_connection(engine)
    with Session(engine, future=True) as session:
        try:
            schema = session.get(Meta, "schema")
        except DBAPIError:  # no kb_meta table: nothing was ever loaded here
            raise DatabaseUnavailable(NOT_LOADED) from None
        if schema is None:
            raise DatabaseUnavailable(NOT_LOADED)
        if schema.value != schema_fingerprint():
            raise DatabaseUnavailable(
                "La base de connaissances a été chargée par une version antérieure du code "
                "(tables différentes) : relancez « python -m bot kb load »."
            )
        sources: dict = {}
        for src in session.execute(select(Source).order_by(Source.kind, Source.record_id, Source.position)).scalars():
            entry = {"url": src.url, "seen_on": src.seen_on}
            if src.page_date:
                entry["page_date"] = src.page_date
            if src.title:
                entry["title"] = src.title
            entry["primary"] = bool(src.primary)
            if src.about:
                entry["about"] = src.about
            sources.setdefault((src.kind, src.record_id), []).append(entry)
        records = {}
        for kind, model in MODEL_OF_KIND.items():
            rows = session.execute(select(model).order_by(model.id)).scalars().all()
            records[kind] = {row.id: _record_from_row(kind, row, sources.get((kind, row.id), [])) for row in rows}
        return records


def read_editorial(engine: Engine) -> editorial.Editorial:
    """The editorial lists loaded with the records (knowledge/editorial.yml)."""
    with Session(engine, future=True) as session:
        try:
            rows = session.execute(select(EditorialList)).scalars().all()
        except DBAPIError:  # no table: nothing was ever loaded here, or by older code
            raise DatabaseUnavailable(NOT_LOADED) from None
        content = {row.name: row.items for row in rows}
    if not content:
        return editorial.Editorial()
    return editorial.parse(dict(content, kind=editorial.EDITORIAL_KIND))


def content_version(engine: Engine) -> str | None:
    """What changes at every `load`, even of the same files: the content hash and the time
    of the load. None while nothing is loaded. One indexed row: cheap enough to poll."""
    with engine.connect() as connection:
        row = connection.execute(select(Meta.value, Meta.updated_at).where(Meta.key == "content")).first()
    return f"{row.value}@{row.updated_at.isoformat()}" if row else None


def read_meta(engine: Engine) -> dict:
    check_connection(engine)
    with Session(engine, future=True) as session:
        try:
            return {
                m.key: {"value": m.value, "updated_at": m.updated_at.isoformat()}
                for m in session.execute(select(Meta)).scalars()
            }
        except DBAPIError:
            raise DatabaseUnavailable(NOT_LOADED) from None


def content_hash(root: Path) -> str:
    digest = hashlib.sha256()
    # source_policy.yml included: a change of policy changes the sources' `primary` flag;
    # editorial.yml too: its lists are loaded with the records.
    for path in sorted(Path(root).glob("*.yml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def in_memory(dataset: Dataset) -> KnowledgeBase:
    """The knowledge base as the action server reads it, loaded into an in-memory SQLite
    database and read back: for the tools, benches and tests that need no server."""
    engine = make_engine("sqlite://")
    load(dataset, engine)
    return KnowledgeBase(read_records(engine), editorial=read_editorial(engine))
