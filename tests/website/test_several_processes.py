"""Two website processes behind one nginx share their limits and the advisers' sessions in
Redis (BOUSSOLE_LOCK_STORE=redis://…): two real applications (aiohttp, real HTTP) on a
real Redis (db 12, a key prefix of each test's own, removed afterwards), the requests
alternating between them as nginx sends them in turn. Rasa is a closed port: every check
here happens before it."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.tools.processes import free_port
from bot.website.admin import COOKIE
from bot.website.admin_auth import MAX_FAILURES
from bot.website.app import create_app
from tests.support.redis_keys import REDIS_TEST_URL

TOKEN = "jeton-des-conseillers-pour-les-tests"
SESSION = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def shared_env(monkeypatch, tmp_path, redis_prefix):
    prefix, _ = redis_prefix
    closed = f"http://127.0.0.1:{free_port()}"
    for name, value in {
        "BOUSSOLE_LOCK_STORE": REDIS_TEST_URL,
        "BOUSSOLE_LOCK_PREFIX": prefix,
        "BOUSSOLE_DB_URL": f"sqlite:///{tmp_path / 'kb.db'}",
        "BOUSSOLE_TRACKER_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
        "BOUSSOLE_ADMIN_TOKEN": TOKEN,
        "BOUSSOLE_RASA_TOKEN": "jeton-unitaire",
        "BOUSSOLE_RASA_URL": closed,
        "BOUSSOLE_ACTIONS_URL": closed,
    }.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


@pytest.fixture
async def two_processes(shared_env):
    """A function that starts the two websites with the limits it is given."""
    clients = []

    async def start(**limits: str) -> list[TestClient]:
        for name, value in limits.items():
            shared_env.setenv(name, value)
        for _ in range(2):
            client = TestClient(TestServer(create_app()))
            await client.start_server()
            clients.append(client)
        return clients

    yield start
    for client in clients:
        await client.close()


def in_turn(clients: list, count: int) -> list:
    return [clients[i % len(clients)] for i in range(count)]


async def test_the_per_address_limit_is_not_doubled(two_processes):
    clients = await two_processes(BOUSSOLE_RATE_LIMIT_IP="4", BOUSSOLE_RATE_LIMIT_SESSION="0")
    statuses = [(await c.get("/api/history", params={"session_id": SESSION})).status for c in in_turn(clients, 8)]
    # Rasa is down: 503 for each request let through, then 429 on both processes.
    assert statuses == [503] * 4 + [429] * 4


async def test_the_per_conversation_limit_is_not_doubled(two_processes):
    clients = await two_processes(BOUSSOLE_RATE_LIMIT_IP="0", BOUSSOLE_RATE_LIMIT_SESSION="3")
    chat = {"message": "Bonjour", "session_id": SESSION}
    statuses = [(await c.post("/api/chat", json=chat)).status for c in in_turn(clients, 6)]
    assert statuses == [503] * 3 + [429] * 3
    other = await clients[1].post("/api/chat", json={**chat, "session_id": "f" * 32})
    assert other.status == 503, "another conversation has its own count"


async def test_a_session_opened_on_one_process_is_valid_on_the_other_until_logout(two_processes):
    first, second = await two_processes()
    login = await first.post("/admin/login", data={"token": TOKEN, "next": "/admin/feedback"}, allow_redirects=False)
    assert login.status == 303
    cookie = {COOKIE: login.cookies[COOKIE].value}
    assert (await second.get("/admin/feedback", cookies=cookie)).status == 200
    assert (await second.post("/admin/logout", cookies=cookie)).status == 200
    assert (await first.get("/admin/feedback", cookies=cookie)).status == 401, "one logout ends it everywhere"


async def test_failed_logins_are_counted_across_processes(two_processes):
    clients = await two_processes()
    for client in in_turn(clients, MAX_FAILURES):
        failed = await client.post("/admin/login", data={"token": "pas-le-bon-jeton"}, allow_redirects=False)
        assert failed.status == 401
    paused = await clients[0].post("/admin/login", data={"token": TOKEN}, allow_redirects=False)
    assert paused.status == 429
