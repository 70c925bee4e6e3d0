"""Shared fixtures: the real knowledge base on SQLite and PostgreSQL, and (for the
integration tests) one trained model, one action server, one Rasa server and one website
for the whole session."""

from __future__ import annotations

import gc
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.config import settings
from bot.knowledge import store, validation
from bot.knowledge.validation import read_knowledge
from tests.support import fast_yaml
from tests.support.redis_keys import own_prefix

ROOT = settings.PROJECT_ROOT
PG_URL = os.environ.get("BOUSSOLE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
# Database 12, apart from make run-multiserver's (1); each test under a prefix of its own.


@pytest.fixture(scope="session", autouse=True)
def knowledge_files_parsed_once():
    """read_knowledge parses each file's text once per session (tests/support/fast_yaml.py):
    many tests read a copy of knowledge/ with one file edited, and the other files' YAML
    was half of each read. What validation does with the objects still runs every time."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(validation, "_load_yaml", fast_yaml.parsed_once(validation._load_yaml))
        yield


@pytest.fixture(scope="session")
def dataset():
    return read_knowledge(settings.KNOWLEDGE_DIR)


@pytest.fixture(scope="session")
def kb(dataset):
    """The knowledge base as the action server sees it: loaded into a database, read back."""
    return store.in_memory(dataset)


@pytest.fixture(scope="session")
def pg_schema_url():
    """A PostgreSQL URL whose connections use a schema of their own, dropped at the end.
    The server is required: `make test` starts or installs it (scripts/ensure_postgres.sh)."""
    schema = f"boussole_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, future=True, connect_args={"connect_timeout": 5})
    try:
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:  # noqa: BLE001 - a missing server must fail the run, never skip it
        pytest.fail(f"PostgreSQL injoignable sur {PG_URL} ({exc}); lancez scripts/ensure_postgres.sh")
    yield schema
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """The URL of an empty database of each kind: a SQLite file, and a fresh PostgreSQL
    schema (selected through the connection's search_path)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kb.db'}"
        return
    schema = f"{request.getfixturevalue('pg_schema_url')}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_URL, future=True)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def engine(db_url):
    eng = store.make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def redis_prefix():
    """(prefix, client): a key prefix of this test's own on the test Redis (REDIS_TEST_URL);
    every key under it is removed afterwards."""
    with own_prefix() as found:
        yield found


# Fixtures that reach a server: their tests carry its marker, so that `make test-fast`
# (SQLite alone) can leave them out without each test saying it again.
SERVER_FIXTURES = {"pg_schema_url": "postgres", "redis_prefix": "redis"}


def pytest_collection_modifyitems(items):
    for item in items:
        if "integration" in str(Path(item.fspath)):
            item.add_marker(pytest.mark.integration)
        for fixture, marker in SERVER_FIXTURES.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(marker)
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("db_url") == "postgresql":
            item.add_marker("postgres")
        # A fixture parametrized over its stores (memory, redis) reaches Redis for "redis".
        if callspec is not None and "redis" in callspec.params.values():
            item.add_marker("redis")


# What the session keeps (Rasa, TensorFlow and spaCy imported by collection, the session's
# fixtures: about 1 GB of objects) made each full collection of the cyclic garbage collector
# walk all of it: 10 s of the 48 s of `make test-fast`. Once collection is done, and after
# each test module once its garbage is freed, what is left is moved out of the collector's way
# (gc.freeze): it walks only what the following tests create.
def _freeze_what_is_left() -> None:
    gc.collect()
    gc.freeze()


def pytest_collection_finish(session):
    _freeze_what_is_left()


@pytest.hookimpl(trylast=True)  # after the module's fixtures are torn down
def pytest_runtest_teardown(item, nextitem):
    if nextitem is None or nextitem.path != item.path:
        _freeze_what_is_left()
