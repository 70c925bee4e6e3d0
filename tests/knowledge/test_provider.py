"""An action server follows `kb load`: its live knowledge base checks the content version
in the database and swaps in a new snapshot when it changed, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import time

import pytest

from bot.knowledge import provider, store
from bot.knowledge.snapshot import KnowledgeBase

PID = "assurance-prospection"


def with_other_date(dataset):
    """The same knowledge base, with the programme's verification date moved back a day."""
    changed = copy.deepcopy(dataset)
    record = changed.records["programme"][PID]
    record["verified_on"] = record["verified_on"] - dt.timedelta(days=1)
    return changed


def verified_on(snapshot: KnowledgeBase):
    return snapshot.get("programme", PID)["verified_on"]


@pytest.fixture
def no_preparers(monkeypatch):
    """Snapshots read and swapped, without what a process builds on each of them: the action
    server's answer ranker (about 1 s a snapshot) is registered as soon as another test module
    imports actions.actions, and these tests are about when a snapshot is read, not about it."""
    monkeypatch.setattr(provider, "_PREPARERS", [])


def test_a_new_load_is_picked_up_and_an_unchanged_base_is_not_read_again(dataset, engine, db_url, no_preparers):
    store.load(dataset, engine, "v1")
    live = provider.LiveKnowledgeBase(db_url, refresh_s=0)
    assert live.refresh() is True
    first, first_version = live.snapshot, live.version
    assert verified_on(first) == dataset.records["programme"][PID]["verified_on"]
    assert live.refresh() is False and live.snapshot is first

    store.load(with_other_date(dataset), engine, "v2")
    assert live.refresh() is True
    assert live.version != first_version
    assert verified_on(live.snapshot) == verified_on(first) - dt.timedelta(days=1)
    live.stop(wait=True)


def test_loading_the_same_files_again_still_gives_a_new_version(dataset, engine, db_url):
    """Rebuilding the database from unchanged files must not leave a server on objects
    read before the rebuild: the version carries the time of the load."""
    store.load(dataset, engine, "same")
    before = store.content_version(engine)
    store.load(dataset, engine, "same")
    assert store.content_version(engine) != before


def test_the_watcher_swaps_the_snapshot_by_itself(dataset, engine, db_url, no_preparers):
    store.load(dataset, engine, "v1")
    live = provider.LiveKnowledgeBase(db_url, refresh_s=0.2)
    live.refresh()
    live.watch()
    old = live.snapshot
    store.load(with_other_date(dataset), engine, "v2")
    deadline = time.monotonic() + 20
    while live.snapshot is old and time.monotonic() < deadline:
        time.sleep(0.1)
    live.stop(wait=True)
    assert live.snapshot is not old, "le nouveau chargement n'a pas été repris"
    assert verified_on(live.snapshot) == verified_on(old) - dt.timedelta(days=1)


def test_an_unreadable_new_version_keeps_the_old_snapshot(dataset, tmp_path, no_preparers):
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    engine = store.make_engine(url)
    store.load(dataset, engine, "v1")
    live = provider.LiveKnowledgeBase(url, refresh_s=0)
    live.refresh()
    old = live.snapshot
    # A version row that says « changed » over tables that cannot be read.
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE kb_meta SET value = 'v2' WHERE key = 'content'")
        connection.exec_driver_sql("UPDATE kb_meta SET value = 'autre-schema' WHERE key = 'schema'")
    with pytest.raises(store.DatabaseUnavailable):
        live.refresh()
    assert live.snapshot is old
    live.stop(wait=True)


async def test_the_action_servers_entry_point_starts_the_watcher(dataset, tmp_path, monkeypatch, no_preparers):
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    engine = store.make_engine(url)
    store.load(dataset, engine, "v1")
    monkeypatch.setenv("BOUSSOLE_DB_URL", url)
    monkeypatch.setenv("BOUSSOLE_KB_REFRESH_S", "0.2")
    provider.reset()
    try:
        old = await provider.get_knowledge_base()
        store.load(with_other_date(dataset), engine, "v2")
        deadline = time.monotonic() + 20
        while (await provider.get_knowledge_base()) is old and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert verified_on(await provider.get_knowledge_base()) == verified_on(old) - dt.timedelta(days=1)
    finally:
        provider.reset()


@pytest.mark.parametrize("value, expected", [("", 5.0), ("0", 0.0), ("2,5", 2.5), ("bientôt", 5.0), ("-1", 5.0)])
def test_refresh_interval_from_the_environment(monkeypatch, value, expected):
    from bot.config import settings

    monkeypatch.setenv("BOUSSOLE_KB_REFRESH_S", value)
    assert settings.current().kb_refresh_s == expected


def test_each_new_snapshot_is_prepared_before_it_answers(dataset, engine, db_url, monkeypatch):
    monkeypatch.setattr(provider, "_PREPARERS", [])
    prepared = []

    def prepare(snapshot):
        # Not swapped in yet: a question never meets an unprepared snapshot.
        assert live.snapshot is not snapshot
        prepared.append(snapshot)

    provider.prepare_each_snapshot(prepare)
    provider.prepare_each_snapshot(prepare)  # registered once
    store.load(dataset, engine, "v1")
    live = provider.LiveKnowledgeBase(db_url, refresh_s=0)
    live.refresh()
    store.load(with_other_date(dataset), engine, "v2")
    live.refresh()
    live.refresh()  # unchanged: not read, not prepared again
    assert len(prepared) == 2 and prepared[-1] is live.snapshot
    live.stop(wait=True)


def test_the_action_server_prepares_the_answer_ranker_with_each_snapshot():
    import actions.actions  # noqa: F401 - registers its preparer on import
    from bot.core import compound_answers

    assert compound_answers.prepare in provider._PREPARERS
