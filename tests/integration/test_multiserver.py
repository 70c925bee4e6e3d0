"""Rasa's distributed setup on loopback: two Rasa servers on the same model, two action
servers, the website and nginx (rendered from the project's template), sharing a
PostgreSQL database of their own (conversations and knowledge base) and Redis locks under
a prefix of their own.

The servers of this file start once for the module and stop at its end. The last test
kills a Rasa server and an action server under load: it stays last."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from bot.config import settings
from bot.core.replies import french_date
from bot.knowledge import store
from bot.multiserver import nginx
from bot.multiserver.topology import Topology
from bot.rasa_server.message_checks import NO_ANSWER
from bot.tools.multiserver_demo import on_free_ports
from bot.tools.processes import Process
from bot.website.sessions import sender_of
from tests.conftest import PG_URL
from tests.integration.conftest import MODEL_LOAD_TIMEOUT_S, RASA_TOKEN, ROOT, base_env
from tests.support.redis_keys import REDIS_TEST_URL, own_prefix
from tests.support.reply_checks import field, record, says
from tests.support.servers import ready

PID = "assurance-prospection"
# An action server checks the knowledge base's version every 5 s (the default); the rest
# is room for a busy machine.
RELOAD_DEADLINE_S = 90


# --- the deployment ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def deployment_db_url():
    """A PostgreSQL database of this module's own, dropped at the end."""
    name = f"boussole_multiserver_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, future=True, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
    except Exception as exc:  # noqa: BLE001 - a missing server fails the run, never skips it
        pytest.fail(f"PostgreSQL injoignable sur {PG_URL} ({exc}) ; lancez scripts/ensure_postgres.sh")
    yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture(scope="module")
def lock_prefix():
    """A prefix of this run's own on the test Redis; its keys are deleted at the end."""
    with own_prefix("multiservertest") as (prefix, _):
        yield prefix


@pytest.fixture(scope="module")
def deployment(model_path, dataset, deployment_db_url, lock_prefix, tmp_path_factory):
    base = tmp_path_factory.mktemp("multiserver")
    store.load(dataset, store.make_engine(deployment_db_url), "multiserver")
    layout = on_free_ports()
    nginx.write(layout, base / "nginx")
    py = sys.executable
    servers = {
        "nginx": Process(
            "nginx",
            nginx.command(base / "nginx"),
            base_env(),
            base / "nginx.log",
            health_url=f"{layout.rasa_url}/lb-health",
        )
    }
    for index, address in enumerate(layout.actions):
        servers[f"actions-{index}"] = Process(
            f"actions-{index}",
            [py, "-m", "bot", "serve", "actions", "--port", address.rsplit(":", 1)[1]],
            base_env(BOUSSOLE_DB_URL=deployment_db_url),
            base / f"actions-{index}.log",
            health_url=f"http://{address}/health",
        )
    rasa_env = base_env(
        BOUSSOLE_ACTIONS_URL=layout.actions_url,
        BOUSSOLE_RASA_TOKEN=RASA_TOKEN,
        BOUSSOLE_TRACKER_URL=deployment_db_url,
        BOUSSOLE_LOCK_STORE=REDIS_TEST_URL,
        BOUSSOLE_LOCK_PREFIX=lock_prefix,
    )
    # Both models load at the same time: one wait instead of two.
    for index, address in enumerate(layout.rasa):
        servers[f"rasa-{index}"] = Process(
            f"rasa-{index}",
            [
                py,
                "-m",
                "bot",
                "serve",
                "rasa",
                "--port",
                address.rsplit(":", 1)[1],
                "--model",
                str(model_path),
                "--out",
                str(base / f"rasa-config-{index}"),
            ],
            rasa_env,
            base / f"rasa-{index}.log",
            health_url=f"http://{address}/",
        )
    servers["web"] = Process(
        "web",
        [py, "-m", "bot", "web", "--port", layout.web[0].rsplit(":", 1)[1]],
        base_env(
            BOUSSOLE_RASA_URL=layout.rasa_url,
            BOUSSOLE_ACTIONS_URL=layout.actions_url,
            BOUSSOLE_DB_URL=deployment_db_url,
            BOUSSOLE_TRACKER_URL=deployment_db_url,
            BOUSSOLE_RASA_TOKEN=RASA_TOKEN,
            BOUSSOLE_TRUST_PROXY="1",
            # The load of the last test comes from one address.
            BOUSSOLE_RATE_LIMIT_IP="2000",
        ),
        base / "web.log",
        health_url=f"http://{layout.web[0]}/healthz",
    )
    try:
        for server in servers.values():
            server.start()
        ready(servers["nginx"], 30)
        for index in range(len(layout.actions)):
            ready(servers[f"actions-{index}"], 120)
        for index in range(len(layout.rasa)):
            ready(servers[f"rasa-{index}"], MODEL_LOAD_TIMEOUT_S)
        ready(servers["web"], 60)
        yield Deployment(layout, servers, base, deployment_db_url)
    finally:
        for server in servers.values():
            server.stop()


class Deployment:
    def __init__(self, layout: Topology, servers: dict, base: Path, db_url: str):
        self.layout, self.servers, self.base, self.db_url = layout, servers, base, db_url
        self.rasa = [f"http://{address}" for address in layout.rasa]
        self.actions = [f"http://{address}" for address in layout.actions]

    def access_log(self) -> list:
        return (self.base / "nginx" / "logs" / "access.log").read_text(encoding="utf-8").splitlines()

    def rest_turns(self, at_least: int = 0, wait: float = 10) -> list:
        """The access-log lines of REST turns sent to nginx's Rasa entry, once there are
        `at_least` of them (nginx writes a line after the reply has left) or `wait` is over."""
        port = self.layout.rasa_entry.rsplit(":", 1)[1]
        deadline = time.monotonic() + wait
        while True:
            lines = [line for line in self.access_log() if f' {port} "POST /webhooks/rest/webhook' in line]
            if len(lines) >= at_least or time.monotonic() > deadline:
                return lines
            time.sleep(0.2)


# --- helpers ----------------------------------------------------------------------------


def say(url: str, sender: str, message: str):
    """One REST turn; (reply text, the server(s) nginx tried, if it went through nginx)."""
    response = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=120)
    assert response.status_code == 200, f"{url} : HTTP {response.status_code} {response.text[:300]}"
    reply = "\n".join(m.get("text", "") for m in response.json())
    assert reply, f"pas de réponse à « {message} »"
    return reply, response.headers.get("X-Boussole-Upstream", "")


def tracker(url: str, sender: str) -> dict:
    response = requests.get(f"{url}/conversations/{sender}/tracker", params={"token": RASA_TOKEN}, timeout=30)
    assert response.status_code == 200, response.text[:300]
    return response.json()


def check(kb, reply: str, *checks) -> None:
    for one in checks:
        try:
            one(kb, reply, [])
        except AssertionError as error:
            raise AssertionError(f"{error}\nréponse : {reply}") from None


def user_turns(events: list) -> list:
    """Each user message with the events that followed it, up to the next one."""
    turns = []
    for event in events:
        if event["event"] == "user":
            turns.append((event["text"], []))
        elif turns:
            turns[-1][1].append(event)
    return turns


def ask_action_server(url: str, pid: str) -> str:
    """Calls the programme action directly on one action server, as Rasa would."""
    call = {
        "next_action": "action_programme_details",
        "sender_id": f"direct-{uuid.uuid4().hex[:8]}",
        "version": "3.6.2",
        "domain": {},
        "tracker": {
            "sender_id": "direct",
            "slots": {},
            "events": [],
            "paused": False,
            "latest_message": {
                "text": "c'est quoi l'AP ?",
                "intent": {"name": "ask_programme"},
                "entities": [{"entity": "programme", "value": pid}],
            },
            "latest_action_name": "action_listen",
            "active_loop": {},
        },
    }
    response = requests.post(f"{url}/webhook", json=call, timeout=30)
    assert response.status_code == 200, response.text[:300]
    return "\n".join(r.get("text") or "" for r in response.json()["responses"])


# --- the tests --------------------------------------------------------------------------


def test_turns_alternating_between_the_two_rasa_servers_keep_the_slots(deployment, kb):
    """Each turn goes to the other server, straight to it: only the shared tracker store
    can carry what the previous turn established."""
    first, second = deployment.rasa
    sender = f"alterne-{uuid.uuid4().hex[:8]}"
    reply, _ = say(first, sender, "Nous sommes une PME de 25 salariés dans l'agroalimentaire en Bretagne.")
    check(kb, reply, says("Effectif : 25 salariés", "Bretagne"))
    reply, _ = say(second, sender, "C'est quoi l'Assurance Prospection ?")
    check(kb, reply, record("programme", PID))
    # Follow-ups that only the previous turns give a meaning to.
    reply, _ = say(first, sender, "Et c'est pour qui ?")
    check(kb, reply, field("programme", PID, "eligibility", 2))
    reply, _ = say(second, sender, "ça coûte quoi ?")
    check(kb, reply, field("programme", PID, "amounts", 0))

    seen = [tracker(url, sender) for url in deployment.rasa]
    assert seen[0]["events"] == seen[1]["events"]
    slots = seen[0]["slots"]
    assert slots["programme"] == PID and slots["region"] == "bretagne" and str(slots["headcount"]) == "25"
    assert [text for text, _ in user_turns(seen[0]["events"])] == [
        "Nous sommes une PME de 25 salariés dans l'agroalimentaire en Bretagne.",
        "C'est quoi l'Assurance Prospection ?",
        "Et c'est pour qui ?",
        "ça coûte quoi ?",
    ]


def test_each_rasa_server_warmed_its_model_before_it_answered(deployment):
    """bot/rasa_server/warm_up.py ran, in each server, without failing."""
    for index in range(len(deployment.rasa)):
        log = (deployment.base / f"rasa-{index}.log").read_text(encoding="utf-8")
        assert "Modèle échauffé en" in log and "Échauffement du modèle impossible" not in log


def test_nginx_hands_the_turns_of_rest_and_of_the_website_to_both_servers(deployment, kb):
    sender = f"nginx-{uuid.uuid4().hex[:8]}"
    rest_turns_before = len(deployment.rest_turns())
    served = []
    for message in (
        "C'est quoi l'Assurance Prospection ?",
        "Et c'est pour qui ?",
        "ça coûte quoi ?",
        "comment on fait la demande ?",
    ):
        reply, upstream = say(deployment.layout.rasa_url, sender, message)
        served.append(upstream)
    check(kb, reply, field("programme", PID, "how_to_apply"))
    assert set(served) == set(deployment.layout.rasa), served

    # The website's gateway reaches Rasa through nginx too: its turns land on both servers.
    # nginx logs a request just after the client has its reply: wait for the four REST turns
    # above, or the last of them would be counted among the website's.
    before = len(deployment.rest_turns(at_least=rest_turns_before + 4))
    session = uuid.uuid4().hex
    for message in (
        "C'est quoi l'Assurance Prospection ?",
        "Et c'est pour qui ?",
        "ça coûte quoi ?",
        "comment on fait la demande ?",
    ):
        response = requests.post(
            f"http://{deployment.layout.public}/api/chat", timeout=120, json={"message": message, "session_id": session}
        )
        assert response.status_code == 200, response.text[:300]
    check(kb, "\n".join(m["text"] for m in response.json()["messages"]), field("programme", PID, "how_to_apply"))
    gateway = [line.split()[-2] for line in deployment.rest_turns(at_least=before + 4)[before:]]
    assert len(gateway) == 4 and set(gateway) == set(deployment.layout.rasa), gateway


def test_two_messages_of_one_conversation_sent_at_once_are_processed_one_after_the_other(deployment, kb):
    """The Redis lock store makes the second server wait for the first: in the shared
    tracker, each message is followed by its whole turn before the next one starts. (With
    Rasa's own RedisLockStore, a message was lost within the first four pairs here:
    bot/multiserver/lock_store.py.)"""
    messages = ("C'est quoi l'Assurance Prospection ?", "C'est quoi le V.I.E ?")
    for attempt in range(6):
        sender = f"ensemble-{attempt}-{uuid.uuid4().hex[:8]}"
        replies, errors = {}, []
        barrier = threading.Barrier(2)

        def send(url, message, barrier=barrier, replies=replies, sender=sender, errors=errors):
            barrier.wait()
            try:
                replies[message] = say(url, sender, message)[0]
            except AssertionError as error:
                errors.append(str(error))

        threads = [
            threading.Thread(target=send, args=(url, message)) for url, message in zip(deployment.rasa, messages)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)
        assert not errors, errors
        check(kb, replies[messages[0]], record("programme", PID))
        check(kb, replies[messages[1]], record("programme", "vie"))

        turns = user_turns(tracker(deployment.rasa[0], sender)["events"])
        assert sorted(said for said, _ in turns) == sorted(messages), turns
        for said, following in turns:
            names = [e.get("name") for e in following if e["event"] == "action"]
            assert "action_programme_details" in names, f"tour incomplet pour « {said} » : {names}"
            assert any(e["event"] == "bot" for e in following), f"pas de réponse enregistrée pour « {text} »"
            assert following[-1]["event"] == "action" and following[-1]["name"] == "action_listen", (
                f"le tour de « {text} » est entrecoupé : {[e['event'] for e in following]}"
            )
        # Each reply answered its own message, not the other one's turn.
        assert kb.get("programme", "vie")["name"] not in replies[messages[0]]


def test_the_public_entry_publishes_neither_rest_nor_callback_nor_the_api(deployment):
    public = f"http://{deployment.layout.public}"
    for path in ("/webhooks/rest/webhook", "/webhooks/callback/webhook", "/webhooks/rest/"):
        response = requests.post(
            f"{public}{path}",
            json={"sender": "123456789", "message": "Bonjour", "input_channel": "telegram"},
            timeout=30,
        )
        assert response.status_code == 404, (path, response.text[:200])
        assert "introuvable" in response.json()["error"] or "n'existe pas" in response.json()["error"]
    for path in ("/conversations/123456789/tracker", "/model/parse", "/status"):
        assert requests.get(f"{public}{path}", timeout=30).status_code == 404, path
    # A messaging webhook does reach a Rasa server (the platform's own check then applies);
    # the others went to the website.
    before = len(deployment.access_log())
    requests.post(f"{public}/webhooks/telegram/webhook", json={}, timeout=30)
    requests.post(f"{public}/webhooks/rest/webhook", json={"sender": "123456789", "message": "Bonjour"}, timeout=30)
    # nginx logs a request after its reply has left; a late line of the requests above may
    # also land here, and the later line of a path wins.
    deadline = time.monotonic() + 10
    while True:
        upstreams = {line.split('"')[1].split()[1]: line.split()[-2] for line in deployment.access_log()[before:]}
        if {"/webhooks/telegram/webhook", "/webhooks/rest/webhook"} <= set(upstreams) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert upstreams["/webhooks/telegram/webhook"] in deployment.layout.rasa, upstreams
    assert upstreams["/webhooks/rest/webhook"] in deployment.layout.web, upstreams


def test_a_knowledge_base_reload_reaches_every_action_server(deployment, kb, tmp_path):
    original = kb.get("programme", PID)["verified_on"]
    for url in deployment.actions:
        assert f"vérifié le {french_date(original)}" in ask_action_server(url, PID)

    # The same knowledge/, with the programme's verification date moved back a day.
    changed = original - dt.timedelta(days=1)
    knowledge = tmp_path / "knowledge"
    shutil.copytree(settings.KNOWLEDGE_DIR, knowledge)
    path = knowledge / "programmes_financement.yml"
    content = path.read_text(encoding="utf-8")
    pattern = re.compile(rf"(- id: {PID}\n(?:(?!\n  - id:).)*?verified_on: ){original.isoformat()}", re.S)
    assert pattern.search(content), "date de vérification de l'Assurance Prospection introuvable"
    path.write_text(pattern.sub(rf"\g<1>{changed.isoformat()}", content, count=1), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--knowledge", str(knowledge), "kb", "load"],
        cwd=ROOT,
        env=base_env(BOUSSOLE_DB_URL=deployment.db_url),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr

    expected = f"vérifié le {french_date(changed)}"
    deadline = time.monotonic() + RELOAD_DEADLINE_S
    pending = set(deployment.actions)
    while pending and time.monotonic() < deadline:
        pending = {url for url in pending if expected not in ask_action_server(url, PID)}
        time.sleep(0.5)
    assert not pending, f"serveurs d'actions restés sur l'ancienne base : {sorted(pending)}"
    # And so does a conversation, whichever servers take it.
    reply, _ = say(
        deployment.layout.rasa_url, f"recharge-{uuid.uuid4().hex[:8]}", "C'est quoi l'Assurance Prospection ?"
    )
    assert expected in reply


# Rasa's Socket.IO channel sends each paragraph of a reply as its own bot_uttered; the
# source line closes an answer from the knowledge base.
END_OF_ANSWER = "vérifié le"


def socketio_turn(deployment, transports: list, session_id: str, message: str) -> str:
    """One Socket.IO turn through the public entry (python-socketio's own client)."""
    import socketio

    client, replied, parts = socketio.Client(), threading.Event(), []

    @client.on("session_confirm")
    def confirmed(data):
        client.emit("user_uttered", {"message": message, "session_id": session_id})

    @client.on("bot_uttered")
    def uttered(data):
        parts.append(data.get("text") or "")
        if END_OF_ANSWER in parts[-1]:
            replied.set()

    client.connect(
        f"http://{deployment.layout.public}", socketio_path="/socket.io", transports=transports, wait_timeout=30
    )
    try:
        client.emit("session_request", {"session_id": session_id})
        assert replied.wait(60), f"réponse incomplète : {parts}"
    finally:
        client.disconnect()
    return "\n\n".join(parts)


def test_socketio_long_polling_stays_on_one_rasa_server(deployment, kb):
    """Engine.IO keeps a polling session in the process that opened it: nginx's ip_hash
    sends every request of it to the same server, and the reply arrives."""
    before = len(deployment.access_log())
    reply = socketio_turn(deployment, ["polling"], uuid.uuid4().hex, "C'est quoi le V.I.E ?")
    check(kb, reply, record("programme", "vie"))
    public_port = deployment.layout.public.rsplit(":", 1)[1]
    upstreams = [
        line.split()[-2]
        for line in deployment.access_log()[before:]
        if f" {public_port} " in line and "/socket.io/" in line
    ]
    assert len(upstreams) >= 3 and len(set(upstreams)) == 1, upstreams


async def test_socketio_over_websocket_through_nginx(deployment, kb):
    """The websocket upgrade passes nginx (Engine.IO 4 spoken by hand: the project's
    python-socketio client needs websocket-client for this transport)."""
    import json

    import aiohttp

    session = uuid.uuid4().hex
    url = f"ws://{deployment.layout.public}/socket.io/?EIO=4&transport=websocket"
    async with aiohttp.ClientSession() as http, http.ws_connect(url, timeout=30) as ws:
        assert (await ws.receive(timeout=30)).data.startswith("0{")
        await ws.send_str("40")
        assert (await ws.receive(timeout=30)).data.startswith("40")
        await ws.send_str("42" + json.dumps(["session_request", {"session_id": session}]))
        assert json.loads((await ws.receive(timeout=30)).data[2:]) == ["session_confirm", session]
        await ws.send_str(
            "42" + json.dumps(["user_uttered", {"message": "C'est quoi le V.I.E ?", "session_id": session}])
        )
        parts = []
        while not parts or END_OF_ANSWER not in parts[-1]:
            packet = (await ws.receive(timeout=60)).data
            if packet == "2":  # Engine.IO ping
                await ws.send_str("3")
                continue
            event, data = json.loads(packet[2:])
            if event == "bot_uttered":
                parts.append(data.get("text") or "")
    check(kb, "\n\n".join(parts), record("programme", "vie"))


def test_a_message_sent_again_with_its_id_is_answered_from_the_record(deployment, kb):
    """The same message id on the other server: the recorded answer, nothing processed
    again. Without an id, nginx gives each request its own."""
    first, second = deployment.rasa
    sender = f"renvoi-{uuid.uuid4().hex[:8]}"

    def send(url, message, message_id=None):
        body = {"sender": sender, "message": message}
        if message_id:
            body["message_id"] = message_id
        response = requests.post(f"{url}/webhooks/rest/webhook", json=body, timeout=120)
        assert response.status_code == 200, response.text[:300]
        return "\n".join(m.get("text", "") for m in response.json())

    answered = send(first, "C'est quoi l'Assurance Prospection ?", "message-1")
    check(kb, answered, record("programme", PID))
    assert send(second, "C'est quoi l'Assurance Prospection ?", "message-1") == answered
    assert send(second, "ça coûte quoi ?", "message-2") != answered
    # Sent again after a later message: still its own answer.
    assert send(first, "C'est quoi l'Assurance Prospection ?", "message-1") == answered
    for _ in range(2):
        send(deployment.layout.rasa_url, "Et c'est pour qui ?")
    events = tracker(first, sender)["events"]
    assert [t for t, _ in user_turns(events)] == [
        "C'est quoi l'Assurance Prospection ?",
        "ça coûte quoi ?",
        "Et c'est pour qui ?",
        "Et c'est pour qui ?",
    ]
    ids = [e["message_id"] for e in events if e["event"] == "user"]
    assert ids[:2] == ["message-1", "message-2"] and len(set(ids)) == 4


# A turn not answered within this time has failed: with Rasa's own lock, a conversation
# whose server died waited 60 s for its ticket.
TURN_TIMEOUT_S = 30
LOAD_TURNS = (
    "C'est quoi l'Assurance Prospection ?",
    "Et c'est pour qui ?",
    "ça coûte quoi ?",
    "comment on fait la demande ?",
)


class Load:
    """Conversations of four turns, each sent as soon as the previous one is answered, a new
    conversation after the fourth, through nginx's Rasa entry (`rest`) or the website's
    public entry (`website`), until `stop()`. Records what was sent and what failed."""

    def __init__(self, deployment, entry: str, clients: int):
        self.deployment, self.entry = deployment, entry
        self.sent: dict[str, list] = {}
        self.failures: list[str] = []
        self.answered: list[tuple[float, str]] = []  # (when, upstream for REST)
        self.guard = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._client, daemon=True) for _ in range(clients)]
        for thread in self.threads:
            thread.start()

    def _turn(self, session: str, message: str) -> tuple[str, str]:
        """(sender, upstream) once answered; AssertionError says why it failed."""
        if self.entry == "rest":
            sender = f"charge-{session}"
            response = requests.post(
                f"{self.deployment.layout.rasa_url}/webhooks/rest/webhook",
                json={"sender": sender, "message": message},
                timeout=TURN_TIMEOUT_S,
            )
            texts = [m.get("text", "") for m in response.json()] if response.status_code == 200 else []
        else:
            sender = sender_of(session)
            response = requests.post(
                f"http://{self.deployment.layout.public}/api/chat",
                json={"message": message, "session_id": session},
                timeout=TURN_TIMEOUT_S,
            )
            texts = [m["text"] for m in response.json()["messages"]] if response.status_code == 200 else []
        assert response.status_code == 200, f"HTTP {response.status_code} {response.text[:200]}"
        assert texts and NO_ANSWER not in texts, f"pas de réponse : {texts}"
        return sender, response.headers.get("X-Boussole-Upstream", "")

    def _client(self) -> None:
        while not self.stopping.is_set():
            session = uuid.uuid4().hex
            for message in LOAD_TURNS:
                if self.stopping.is_set():
                    return
                sender = f"charge-{session}" if self.entry == "rest" else sender_of(session)
                with self.guard:
                    self.sent.setdefault(sender, []).append(message)
                try:
                    _, upstream = self._turn(session, message)
                except (AssertionError, requests.RequestException, ValueError) as error:
                    with self.guard:
                        self.failures.append(f"{self.entry} « {message} » : {error}")
                    break
                with self.guard:
                    self.answered.append((time.monotonic(), upstream))

    def answered_since(self, moment: float) -> list:
        with self.guard:
            return [upstream for when, upstream in self.answered if when > moment]

    def wait_for(self, count: int, since: float, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while len(self.answered_since(since)) < count and time.monotonic() < deadline:
            time.sleep(0.2)

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=TURN_TIMEOUT_S * 3)


def test_killing_a_rasa_server_then_an_action_server_under_load_fails_no_message(deployment, kb):
    """Three conversations through nginx's REST entry and three through the website, going
    on while one Rasa server and then one action server are killed (SIGKILL, workers
    included) with messages in flight: every message is answered (nginx or the website
    hands a message that died with its server to the other, with its id), none waits for
    the dead server's lock, and each conversation's record holds each message once.
    Last of the module: both servers stay dead."""
    loads = [Load(deployment, "rest", 3), Load(deployment, "website", 3)]
    try:
        start = time.monotonic()
        for load in loads:
            load.wait_for(6, start, 120)
        rasa_killed = time.monotonic()
        deployment.servers["rasa-1"].kill()
        for load in loads:
            load.wait_for(8, rasa_killed, 60)
        actions_killed = time.monotonic()
        deployment.servers["actions-1"].kill()
        for load in loads:
            load.wait_for(8, actions_killed, 60)
    finally:
        for load in loads:
            load.stop()

    failures = [failure for load in loads for failure in load.failures]
    assert not failures, failures
    for load in loads:
        assert len(load.answered_since(actions_killed)) >= 8, f"{load.entry} : la charge s'est arrêtée"
    # After the kill, REST turns end on the survivor (after trying the dead one, at first).
    survivor = deployment.layout.rasa[0]
    rest_after = loads[0].answered_since(rasa_killed + 1)
    assert rest_after and all(upstream.split(", ")[-1] == survivor for upstream in rest_after), rest_after

    for load in loads:
        for sender, sent in load.sent.items():
            said = [text for text, _ in user_turns(tracker(deployment.rasa[0], sender)["events"])]
            assert said == sent, f"{load.entry}, {sender} : envoyé {sent}, enregistré {said}"
