"""The one Rasa client (bot/rasa_client.py), blocking and async, against a stand-in for
Rasa's HTTP API on loopback: what it sends, what it returns, and how each failure is told."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import aiohttp
import pytest

from bot.rasa_client import (
    AsyncRasaClient,
    RasaClient,
    RasaRefused,
    RasaTimeout,
    RasaUnreachable,
    answers,
    probe,
    tracker_url,
    webhook_url,
)
from bot.tools.processes import free_port

TOKEN = "jeton-unitaire"


class FakeRasa(BaseHTTPRequestHandler):
    seen: list = []

    def _reply(self, status: int, body) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        self.seen.append(("GET", url.path, query))
        if url.path == "/":
            return self._reply(200, {"version": "3.6"})
        if query.get("token") != TOKEN:
            return self._reply(401, {"message": "User is not authenticated."})
        sender = urllib.parse.unquote(url.path.split("/")[2])
        self._reply(200, {"sender_id": sender, "events": [], "include_events": query.get("include_events")})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.append(("POST", self.path, body))
        if body["message"] == "lent":
            time.sleep(2)
        if body["message"] == "panne":
            return self._reply(500, {"message": "erreur"})
        self._reply(200, [{"recipient_id": body["sender"], "text": f"Vous avez dit : {body['message']}"}])

    def log_message(self, *args):
        pass


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a client that gave up (the timeout tests) leaves a broken pipe: expected


@pytest.fixture(scope="module")
def rasa_url():
    server = QuietServer(("127.0.0.1", 0), FakeRasa)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def closed_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


def test_urls_are_built_once_whatever_the_trailing_slash():
    assert (
        webhook_url("http://rasa:5005/") == webhook_url("http://rasa:5005") == "http://rasa:5005/webhooks/rest/webhook"
    )
    assert tracker_url("http://rasa:5005", "web-a/b c") == "http://rasa:5005/conversations/web-a%2Fb%20c/tracker"


def test_send_posts_the_sender_and_message_and_returns_the_answers(rasa_url):
    assert RasaClient(rasa_url).send("conseiller-1", "Bonjour") == [
        {"recipient_id": "conseiller-1", "text": "Vous avez dit : Bonjour"}
    ]
    assert FakeRasa.seen[-1] == ("POST", "/webhooks/rest/webhook", {"sender": "conseiller-1", "message": "Bonjour"})


def test_tracker_passes_the_token_and_the_events_asked_for(rasa_url):
    tracker = RasaClient(rasa_url, TOKEN).tracker("conseiller 1", include_events="AFTER_RESTART")
    assert tracker["sender_id"] == "conseiller 1" and tracker["include_events"] == "AFTER_RESTART"


def test_a_wrong_token_is_a_refusal_with_its_status_in_french(rasa_url):
    with pytest.raises(RasaRefused, match="Rasa a répondu HTTP 401") as refused:
        RasaClient(rasa_url, "mauvais-jeton").tracker("conseiller-1")
    assert refused.value.status == 401


def test_an_error_of_rasa_is_a_refusal(rasa_url):
    with pytest.raises(RasaRefused) as refused:
        RasaClient(rasa_url).send("conseiller-1", "panne")
    assert refused.value.status == 500


def test_a_closed_port_is_unreachable_and_a_slow_answer_a_timeout(rasa_url):
    with pytest.raises(RasaUnreachable):
        RasaClient(closed_url()).send("conseiller-1", "Bonjour")
    with pytest.raises(RasaTimeout, match="pas de réponse en 0,5 s"):
        RasaClient(rasa_url).send("conseiller-1", "lent", timeout=0.5)


def test_health(rasa_url):
    assert RasaClient(rasa_url).healthy() and answers(rasa_url)
    assert not RasaClient(closed_url()).healthy() and not answers(closed_url())


async def test_the_async_client_sends_reads_and_fails_the_same_way(rasa_url):
    async with aiohttp.ClientSession() as session:
        rasa = AsyncRasaClient(rasa_url, TOKEN, session)
        assert (await rasa.send("web-1", "Bonjour"))[0]["text"] == "Vous avez dit : Bonjour"
        assert (await rasa.tracker("web-1", include_events="AFTER_RESTART"))["sender_id"] == "web-1"
        assert await rasa.status() == "ok"
        with pytest.raises(RasaRefused) as refused:
            await AsyncRasaClient(rasa_url, "mauvais-jeton", session).tracker("web-1")
        assert refused.value.status == 401
        with pytest.raises(RasaTimeout):
            await rasa.send("web-1", "lent", timeout=0.5)
        closed = AsyncRasaClient(closed_url(), TOKEN, session)
        with pytest.raises(RasaUnreachable):
            await closed.send("web-1", "Bonjour")
        assert await closed.status() == "injoignable"
        assert await probe(session, f"{rasa_url}conversations/web-1/tracker") == "erreur HTTP 401"
