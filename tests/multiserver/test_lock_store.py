"""The lock store several Rasa servers share, on a real Redis (db 12, a prefix of this
run's own): built by Rasa from the endpoints the project writes, one conversation is
served by one server at a time, however many ask at once, for as long as its turn lasts,
and a server that dies holding a conversation frees it within seconds."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time

import pytest

from bot.config.settings import load
from bot.multiserver.lock_store import TICKET_LIFETIME_S, AtomicRedisLockStore
from bot.rasa_server import runtime_files
from tests.conftest import ROOT
from tests.support.redis_keys import REDIS_TEST_URL, own_prefix

pytestmark = pytest.mark.redis


@pytest.fixture
def prefix():
    with own_prefix("locktest") as (prefix, _):
        yield prefix


def rasa_lock_store(tmp_path, prefix):
    """The lock store as Rasa builds it from var/endpoints.yml."""
    from rasa.core.lock_store import LockStore
    from rasa.core.utils import read_endpoints_from_path

    runtime_files.write(tmp_path, load({"BOUSSOLE_LOCK_STORE": REDIS_TEST_URL, "BOUSSOLE_LOCK_PREFIX": prefix}))
    return LockStore.create(read_endpoints_from_path(tmp_path / "endpoints.yml").lock_store)


def test_rasa_builds_the_atomic_store_from_the_written_endpoints(tmp_path, prefix):
    store = rasa_lock_store(tmp_path, prefix)
    assert isinstance(store, AtomicRedisLockStore)
    assert store.key_prefix == f"{prefix}:lock:"
    assert store.issue_ticket("c1") == 0 and store.issue_ticket("c1") == 1
    assert store.red.exists(f"{prefix}:lock:c1")


def test_tickets_issued_at_once_by_many_servers_are_all_different(tmp_path, prefix):
    stores = [rasa_lock_store(tmp_path / str(i), prefix) for i in range(8)]
    tickets, barrier = [], threading.Barrier(len(stores))

    def issue(store):
        barrier.wait()
        for _ in range(5):
            tickets.append(store.issue_ticket("c2"))

    threads = [threading.Thread(target=issue, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(tickets) == list(range(40))


def test_one_server_at_a_time_serves_a_conversation(tmp_path, prefix):
    """Six « servers » (threads with a store and an event loop each) take the same
    conversation at the same moment: never two inside at once, and all of them served."""
    stores = [rasa_lock_store(tmp_path / str(i), prefix) for i in range(6)]
    inside, most_inside, served = [0], [0], []
    guard, barrier = threading.Lock(), threading.Barrier(len(stores))

    async def serve(store, name):
        async with store.lock("c3", wait_time_in_seconds=0.01):
            with guard:
                inside[0] += 1
                most_inside[0] = max(most_inside[0], inside[0])
            await asyncio.sleep(0.05)
            with guard:
                inside[0] -= 1
                served.append(name)

    def server(store, name):
        barrier.wait()
        asyncio.run(serve(store, name))

    threads = [threading.Thread(target=server, args=(store, i)) for i, store in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(served) == list(range(len(stores)))
    assert most_inside[0] == 1
    # The last one out removed the lock.
    assert not stores[0].red.exists(f"{prefix}:lock:c3")


def test_cleanup_keeps_the_lock_while_someone_waits(tmp_path, prefix):
    store = rasa_lock_store(tmp_path, prefix)
    first, second = store.issue_ticket("c4"), store.issue_ticket("c4")
    store.cleanup("c4", first)
    lock = store.get_lock("c4")
    assert lock is not None and lock.now_serving == second
    store.cleanup("c4", second)
    assert store.get_lock("c4") is None


def test_expired_tickets_no_longer_block(tmp_path, prefix):
    store = rasa_lock_store(tmp_path, prefix)
    store.issue_ticket("c5", lock_lifetime=0.2)
    waiting = store.issue_ticket("c5")
    time.sleep(0.3)
    store.update_lock("c5")
    assert store.get_lock("c5").now_serving == waiting


def test_a_turn_longer_than_its_ticket_keeps_the_conversation(tmp_path, prefix):
    """Tickets of half a second, renewed every tenth: a turn of three lifetimes keeps its
    conversation to the end, and the next one starts only then."""
    stores = [
        AtomicRedisLockStore(host="127.0.0.1", db=12, key_prefix=prefix, ticket_lifetime_s=0.5, renew_every_s=0.1)
        for _ in range(2)
    ]
    times = {}

    async def long_turn():
        async with stores[0].lock("c6"):
            times["first in"] = time.monotonic()
            await asyncio.sleep(1.5)
            times["first out"] = time.monotonic()

    async def next_turn():
        await asyncio.sleep(0.1)
        async with stores[1].lock("c6"):
            times["second in"] = time.monotonic()

    async def both():
        await asyncio.gather(long_turn(), next_turn())

    asyncio.run(both())
    # asyncio may end a sleep a hair early (its clock's resolution): 1.5 s is 1.4 s at least.
    assert times["first out"] - times["first in"] >= 1.4
    assert times["second in"] >= times["first out"]


HOLDER = """
import asyncio, sys, time
from rasa.core.lock_store import LockStore
from rasa.core.utils import read_endpoints_from_path

store = LockStore.create(read_endpoints_from_path(sys.argv[1]).lock_store)

async def hold():
    async with store.lock("c7"):
        print("tenu", flush=True)
        await asyncio.sleep(120)

asyncio.run(hold())
"""


def test_a_killed_holder_frees_its_conversation_within_a_ticket_lifetime(tmp_path, prefix):
    """A process that dies in the middle of a turn (SIGKILL: nothing cleaned up) blocks its
    conversation only until its last renewed ticket expires, not Rasa's 60 s."""
    store = rasa_lock_store(tmp_path, prefix)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path / "endpoints.yml")],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "tenu"
        # Two renewals at least: the ticket outlived its first lifetime.
        time.sleep(TICKET_LIFETIME_S + 1)
        assert store.get_lock("c7") is not None
        holder.kill()
        holder.wait(timeout=10)
        killed = time.monotonic()

        async def next_turn():
            async with store.lock("c7"):
                return time.monotonic() - killed

        waited = asyncio.run(next_turn())
    finally:
        holder.kill()
        holder.wait(timeout=10)
    # The dead holder's ticket did block (renewed within the last second, it had three
    # seconds left at least), then freed the conversation at its expiry.
    assert TICKET_LIFETIME_S - 2 <= waited <= TICKET_LIFETIME_S + 2, waited
