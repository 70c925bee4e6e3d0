"""The advisers' token and the session cookies it gives."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from bot.config import tokens
from bot.config.settings import load
from bot.multiserver import shared_redis
from bot.website.admin_auth import (
    FAILURE_WINDOW_S,
    MAX_FAILURES,
    MemorySessionStore,
    RedisSessionStore,
    Sessions,
    SessionsUnavailable,
    WeakToken,
    check_token,
    login_limiter,
    session_store,
)
from bot.website.ratelimit import MemoryRateLimiter, RedisRateLimiter
from tests.conftest import ROOT
from tests.support.redis_keys import REDIS_TEST_URL

TOKEN = "un-jeton-de-conseiller-assez-long"


class Clock:
    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
async def make_sessions(request):
    """A function (token, lifetime_s) → Sessions on the store under test; every Sessions it
    makes shares that store, as the website processes of a deployment do, and one clock
    (`make_sessions.clock`)."""
    clock = Clock()
    if request.param == "redis":
        prefix, _ = request.getfixturevalue("redis_prefix")
        redis = shared_redis.from_settings(
            load({"BOUSSOLE_LOCK_STORE": REDIS_TEST_URL, "BOUSSOLE_LOCK_PREFIX": prefix})
        )
        store = RedisSessionStore(redis)
    else:
        redis, store = None, MemorySessionStore(clock)

    def make(token: str = TOKEN, lifetime_s: int = 3600) -> Sessions:
        return Sessions(token, store, lifetime_s=lifetime_s, clock=clock)

    make.clock = clock
    yield make
    if redis is not None:
        await redis.close()


async def test_a_session_cookie_is_valid_until_it_expires(make_sessions):
    clock = make_sessions.clock
    sessions = make_sessions(lifetime_s=3600)
    cookie = await sessions.issue()
    assert TOKEN not in cookie
    assert await sessions.valid(cookie)
    clock.now += 3599
    assert await sessions.valid(cookie)
    clock.now += 2
    assert not await sessions.valid(cookie)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda c: c[:-1] + ("0" if c[-1] != "0" else "1"),
        lambda c: str(int(c.split(".")[0]) + 60) + c[c.index(".") :],
        lambda c: "",
        lambda c: "a.b",
        lambda c: "1.é.ü",
        lambda c: c + ".x",
    ],
)
async def test_a_forged_cookie_is_refused(make_sessions, tamper):
    sessions = make_sessions()
    assert not await sessions.valid(tamper(await sessions.issue()))


async def test_another_token_ends_every_session_and_logout_ends_one(make_sessions):
    sessions = make_sessions()
    first, second = await sessions.issue(), await sessions.issue()
    assert not await make_sessions(TOKEN + "-nouveau").valid(first)
    await sessions.revoke(first)
    assert not await sessions.valid(first) and await sessions.valid(second)


async def test_a_cookie_signed_with_the_token_but_never_issued_is_refused(make_sessions):
    """Signed cookies alone would survive a logout; the store's record is what a logout ends."""
    sessions = make_sessions()
    issued, _, _ = (await sessions.issue()).split(".")
    never_issued = f"{issued}.nonce-jamais-ouvert.{sessions._signature(issued, 'nonce-jamais-ouvert')}"
    assert not await sessions.valid(never_issued)


async def test_a_session_opened_by_one_process_is_valid_on_another_and_ended_by_one_logout(make_sessions):
    """What the shared store is for; with the memory store, « another process » is
    another Sessions of the same process, which shares its store."""
    here, there = make_sessions(), make_sessions()
    cookie = await here.issue()
    assert await there.valid(cookie)
    await there.revoke(cookie)
    assert not await here.valid(cookie)


async def test_redis_sessions_expire_with_their_lifetime(redis_prefix):
    prefix, client = redis_prefix
    redis = shared_redis.SharedRedis({"url": "127.0.0.1", "port": 6379, "db": 12, "key_prefix": prefix})
    try:
        sessions = Sessions(TOKEN, RedisSessionStore(redis), lifetime_s=1800)
        nonce = (await sessions.issue()).split(".")[1]
        assert 1790 < client.ttl(f"{prefix}:admin-session:{nonce}") <= 1800
    finally:
        await redis.close()


async def test_a_session_store_out_of_reach_refuses_rather_than_lets_through():
    # Nothing listens on port 1.
    redis = shared_redis.SharedRedis({"url": "127.0.0.1", "port": 1, "key_prefix": "absent"})
    sessions = Sessions(TOKEN, RedisSessionStore(redis))
    with pytest.raises(SessionsUnavailable, match="Redis, qui ne répond pas"):
        await sessions.issue()
    forged_or_expired = "1.a.b"
    assert not await sessions.valid(forged_or_expired), "a cookie refused by its signature never reaches the store"
    await redis.close()


def test_the_stores_follow_the_lock_store_setting():
    memory = shared_redis.from_settings(load({}))
    assert isinstance(session_store(memory), MemorySessionStore)
    assert isinstance(login_limiter(memory), MemoryRateLimiter)
    redis = shared_redis.from_settings(load({"BOUSSOLE_LOCK_STORE": "redis://redis.interne:6379/1"}))
    assert isinstance(session_store(redis), RedisSessionStore)
    assert session_store(redis).redis_key("n1") == "boussole:admin-session:n1"
    assert isinstance(login_limiter(redis), RedisRateLimiter)


def test_only_the_exact_token_matches():
    sessions = Sessions(TOKEN)
    assert sessions.token_matches(TOKEN)
    for wrong in ("", None, TOKEN[:-1], TOKEN + " ", TOKEN.upper()):
        assert not sessions.token_matches(wrong)


def test_a_short_token_is_refused_in_french():
    with pytest.raises(WeakToken, match="trop court"):
        check_token("court")
    check_token(TOKEN)


async def test_logins_pause_after_too_many_failures_from_one_address():
    clock = Clock(0.0)
    limiter = login_limiter(None)
    limiter.clock = clock
    for _ in range(MAX_FAILURES):
        assert await limiter.wait_s("10.0.0.1") == 0
        await limiter.hit("10.0.0.1")
    assert await limiter.wait_s("10.0.0.1") > 0
    assert await limiter.wait_s("10.0.0.2") == 0
    clock.now += FAILURE_WINDOW_S + 1
    assert await limiter.wait_s("10.0.0.1") == 0
    await limiter.hit("10.0.0.1")
    await limiter.forget("10.0.0.1")
    assert await limiter.wait_s("10.0.0.1") == 0


def test_the_token_is_generated_once_readable_by_its_owner_only(tmp_path, monkeypatch):
    monkeypatch.delenv("BOUSSOLE_ADMIN_TOKEN", raising=False)
    monkeypatch.setenv("BOUSSOLE_VAR_DIR", str(tmp_path / "var"))
    token = tokens.admin_token()
    path = tmp_path / "var" / "admin_token"
    assert len(token) >= 32 and path.read_text(encoding="utf-8") == token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert tokens.admin_token() == token
    assert sorted(p.name for p in path.parent.iterdir()) == ["admin_token"]
    monkeypatch.setenv("BOUSSOLE_ADMIN_TOKEN", TOKEN)
    assert tokens.admin_token() == TOKEN


def test_the_command_line_prints_the_token(tmp_path):
    env = {**os.environ, "BOUSSOLE_VAR_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    env.pop("BOUSSOLE_ADMIN_TOKEN", None)
    printed = subprocess.run(
        [sys.executable, "-m", "bot", "admin-token"], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    assert printed == (tmp_path / "admin_token").read_text(encoding="utf-8")
