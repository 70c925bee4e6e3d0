"""What must never be open: Rasa's HTTP API without its token, servers listening beyond
localhost by default, secrets written anywhere but in the environment."""

from __future__ import annotations

import re

import psutil
import pytest
import requests
import yaml

from tests.integration.conftest import RASA_TOKEN, ROOT

# Endpoints of Rasa's HTTP API that read or change a conversation or the model.
API_CALLS = [
    ("GET", "/status"),
    ("GET", "/domain"),
    ("GET", "/conversations/someone/tracker"),
    ("GET", "/conversations/someone/story"),
    ("POST", "/conversations/someone/tracker/events"),
    ("PUT", "/conversations/someone/tracker/events"),
    ("POST", "/conversations/someone/trigger_intent"),
    ("POST", "/conversations/someone/predict"),
    ("POST", "/conversations/someone/messages"),
    ("POST", "/conversations/someone/execute"),
    ("POST", "/model/parse"),
    ("PUT", "/model"),
    ("DELETE", "/model"),
    ("POST", "/model/train"),
    ("POST", "/model/test/intents"),
    ("POST", "/model/test/stories"),
    ("POST", "/model/predict"),
]


@pytest.mark.parametrize("method, path", API_CALLS)
@pytest.mark.parametrize("token", [None, "", "mauvais-jeton", RASA_TOKEN[:-1]])
def test_rasa_api_refuses_every_call_without_the_right_token(rasa_server, method, path, token):
    params = {} if token is None else {"token": token}
    response = requests.request(method, f"{rasa_server.url}{path}", params=params, json={"text": "bonjour"}, timeout=30)
    assert response.status_code == 401, (method, path, response.status_code, response.text[:200])


def test_rasa_api_answers_with_the_token(rasa_server):
    response = requests.post(
        f"{rasa_server.url}/model/parse",
        params={"token": RASA_TOKEN},
        json={"text": "C'est quoi le V.I.E ?"},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.json()["intent"]["name"] == "ask_programme"


def _listening_addresses(pid: int) -> set:
    process = psutil.Process(pid)
    processes = [process] + process.children(recursive=True)
    return {c.laddr.ip for p in processes for c in p.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN}


@pytest.mark.parametrize("fixture", ["rasa_server", "action_server", "website"])
def test_servers_listen_on_localhost_only(request, fixture):
    server = request.getfixturevalue(fixture)
    addresses = _listening_addresses(server.process.pid)
    assert addresses, f"{fixture} n'écoute sur aucun port"
    assert addresses <= {"127.0.0.1", "::1"}, f"{fixture} écoute sur {addresses}"


SECRET_KEY = re.compile(r"token|secret|password|passwd|auth|sid|app_id|verify|signing", re.IGNORECASE)


def _secret_values(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _secret_values(value, path + (str(key),))
    elif path and SECRET_KEY.search(path[-1]) and not path[-1].endswith("_url"):
        yield ".".join(path), node


def test_credentials_template_holds_no_secret_only_variables():
    """Every secret of a channel is an environment variable, never a value in the file."""
    template = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8"))
    found = list(_secret_values(template))
    bad = [(path, value) for path, value in found if not re.fullmatch(r"\$\{[A-Z0-9_]+\}", str(value))]
    assert not bad, bad


def test_no_secret_in_the_repository_configuration():
    for name in ("endpoints.yml", "credentials.yml", "config.yml"):
        text = (ROOT / name).read_text(encoding="utf-8")
        assert not re.search(r"(password|token|secret)\s*[:=]\s*['\"]?[A-Za-z0-9_\-]{8,}", text, re.IGNORECASE), name


def test_no_server_shows_a_secret_on_its_command_line(rasa_server, action_server, website):
    """`ps` shows every process's command line to every user of the machine."""
    shown = {}
    for server in (rasa_server, action_server, website):
        process = psutil.Process(server.process.pid)
        for each in [process, *process.children(recursive=True)]:
            shown[each.pid] = " ".join(each.cmdline())
    assert any("bot.rasa_server.launch" in line and "--enable-api" in line for line in shown.values()), shown
    assert not [line for line in shown.values() if RASA_TOKEN in line or "--auth-token" in line]
