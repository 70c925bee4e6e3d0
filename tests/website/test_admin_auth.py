"""The advisers' token and the session cookies it gives."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from bot.config import tokens
from bot.website.admin_auth import FAILURE_WINDOW_S, MAX_FAILURES, LoginThrottle, Sessions, WeakToken, check_token
from tests.conftest import ROOT

TOKEN = "un-jeton-de-conseiller-assez-long"


class Clock:
    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_session_cookie_is_valid_until_it_expires():
    clock = Clock()
    sessions = Sessions(TOKEN, lifetime_s=3600, clock=clock)
    cookie = sessions.issue()
    assert TOKEN not in cookie
    assert sessions.valid(cookie)
    clock.now += 3599
    assert sessions.valid(cookie)
    clock.now += 2
    assert not sessions.valid(cookie)


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
def test_a_forged_cookie_is_refused(tamper):
    sessions = Sessions(TOKEN)
    assert not sessions.valid(tamper(sessions.issue()))


def test_another_token_ends_every_session_and_logout_ends_one():
    sessions = Sessions(TOKEN)
    first, second = sessions.issue(), sessions.issue()
    assert not Sessions(TOKEN + "-nouveau").valid(first)
    sessions.revoke(first)
    assert not sessions.valid(first) and sessions.valid(second)


def test_only_the_exact_token_matches():
    sessions = Sessions(TOKEN)
    assert sessions.token_matches(TOKEN)
    for wrong in ("", None, TOKEN[:-1], TOKEN + " ", TOKEN.upper()):
        assert not sessions.token_matches(wrong)


def test_a_short_token_is_refused_in_french():
    with pytest.raises(WeakToken, match="trop court"):
        check_token("court")
    check_token(TOKEN)


def test_logins_pause_after_too_many_failures_from_one_address():
    clock = Clock(0.0)
    throttle = LoginThrottle(clock=clock)
    for _ in range(MAX_FAILURES):
        assert throttle.wait_s("10.0.0.1") == 0
        throttle.failed("10.0.0.1")
    assert throttle.wait_s("10.0.0.1") > 0
    assert throttle.wait_s("10.0.0.2") == 0
    clock.now += FAILURE_WINDOW_S + 1
    assert throttle.wait_s("10.0.0.1") == 0
    throttle.failed("10.0.0.1")
    throttle.succeeded("10.0.0.1")
    assert throttle.wait_s("10.0.0.1") == 0


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
