"""The website keeps its state under typed application keys (no NotAppKeyWarning) and opens
one database engine per process, shared by the chat, the health check and the review pages."""

from __future__ import annotations

import warnings

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.knowledge import store
from bot.website import keys
from bot.website.app import create_app

TOKEN = "jeton-des-conseillers-pour-les-tests"


async def test_the_whole_site_runs_without_a_plain_string_key_and_on_one_engine(tmp_path, monkeypatch):
    monkeypatch.setenv("BOUSSOLE_DB_URL", f"sqlite:///{tmp_path / 'kb.db'}")
    monkeypatch.setenv("BOUSSOLE_TRACKER_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    monkeypatch.setenv("BOUSSOLE_ADMIN_TOKEN", TOKEN)
    monkeypatch.setenv("BOUSSOLE_RASA_TOKEN", "jeton-unitaire")
    monkeypatch.setenv("BOUSSOLE_RASA_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("BOUSSOLE_ACTIONS_URL", "http://127.0.0.1:9")
    opened = []
    make_engine = store.make_engine

    def counted(url, *args, **kwargs):
        opened.append(url)
        return make_engine(url, *args, **kwargs)

    monkeypatch.setattr(store, "make_engine", counted)
    with warnings.catch_warnings():
        warnings.simplefilter("error", web.NotAppKeyWarning)
        app = create_app()
        async with TestClient(TestServer(app)) as client:
            assert (await client.get("/healthz")).status == 503  # Rasa and the actions are not running
            feedback = await client.post("/api/feedback", json={"session_id": "web-" + "1" * 32, "rating": "up"})
            assert feedback.status in (201, 404)
            login = await client.post(
                "/admin/login", data={"token": TOKEN, "next": "/admin/feedback"}, allow_redirects=False
            )
            assert login.status == 303
            assert (await client.get("/admin/feedback")).status == 200
            assert (await client.get("/admin/handovers")).status == 200
            assert app[keys.SETTINGS].db_url == f"sqlite:///{tmp_path / 'kb.db'}"
    assert opened == [f"sqlite:///{tmp_path / 'kb.db'}"]
