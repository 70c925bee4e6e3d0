"""More than a thousand hostile requests through the website gateway, and as many through
Rasa's REST channel: no 5xx, no stack trace or internal path in any answer, no hang, and the
assistant still answers a real question normally afterwards."""

from __future__ import annotations

import collections
import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.integration.hostile_corpus import corpus

# A request that has not been answered by then is a hang, not a slow answer.
HANG_S = 30
PARALLEL = 4
LEAK = re.compile(
    r"Traceback|File \"|site-packages|/work/|/tmp/|/root/|\.py\b|sqlalchemy|psycopg2|"
    r"Exception|Error:|rasa\.core|sanic|aiohttp\.",
    re.IGNORECASE,
)


def _send(url: str, case) -> dict:
    category, body, content_type = case
    headers = {"Content-Type": content_type} if content_type else {}
    try:
        response = requests.post(url, data=body, headers=headers, timeout=HANG_S)
    except requests.RequestException as exc:
        return {"category": category, "problem": f"pas de réponse en {HANG_S} s ({type(exc).__name__})"}
    text = response.text
    problem = None
    if response.status_code >= 500:
        problem = f"HTTP {response.status_code}"
    elif LEAK.search(text):
        problem = f"fuite : {LEAK.search(text).group()!r}"
    elif response.status_code == 200:
        try:
            answer = response.json()
        except ValueError:
            answer = None
        messages = answer.get("messages") if isinstance(answer, dict) else answer
        # Every accepted message gets at least one answer with text: never a silent turn.
        if not isinstance(messages, list) or not messages or not all(m.get("text") for m in messages):
            problem = f"200 sans réponse lisible : {text[:120]!r}"
    elif response.status_code in (400, 413, 415, 422, 429):
        try:
            error = response.json().get("error", "")
        except (ValueError, AttributeError):
            error = ""
        if not error:
            problem = f"HTTP {response.status_code} sans message d'erreur JSON"
    return {"category": category, "status": response.status_code, "problem": problem, "body": body[:80]}


def _run(url: str, cases) -> list:
    with ThreadPoolExecutor(PARALLEL) as pool:
        return list(pool.map(lambda case: _send(url, case), cases))


def _report(results) -> str:
    problems = [r for r in results if r["problem"]]
    lines = [f"{r['category']}: {r['problem']} ← {r.get('body')!r}" for r in problems[:20]]
    return f"{len(problems)} réponse(s) en défaut sur {len(results)} :\n" + "\n".join(lines)


def _assert_answers_normally(post, kb):
    record = kb.get("programme", "vie")
    text = "\n".join(m.get("text", "") for m in post("C'est quoi le V.I.E ?"))
    assert record["name"] in text and record["sources"][0]["url"] in text


@pytest.fixture(scope="module")
def gateway_results(website):
    cases = corpus(lambda text: {"message": text, "session_id": uuid.uuid4().hex}, seed=20261202)
    cases += [
        ("identifiant de session", f'{{"message": "Bonjour", "session_id": {value}}}'.encode(), "application/json")
        for value in ('""', "null", "42", '"../../etc"', '"' + "x" * 5000 + '"', '["a"]', '"<script>"')
    ]
    return _run(f"{website.url}/api/chat", cases)


@pytest.fixture(scope="module")
def rest_results(rasa_server):
    cases = corpus(lambda text: {"sender": f"hostile-{uuid.uuid4().hex}", "message": text}, seed=20261203)
    cases += [
        ("expéditeur", f'{{"sender": {value}, "message": "Bonjour"}}'.encode(), "application/json")
        for value in ('""', "null", "true", '{"a": 1}', '"' + "x" * 5000 + '"', '"a b"', '"<script>"')
    ]
    return _run(f"{rasa_server.url}/webhooks/rest/webhook", cases)


def test_more_than_a_thousand_hostile_requests_on_each_path(gateway_results, rest_results):
    assert len(gateway_results) >= 1000 and len(rest_results) >= 1000
    categories = collections.Counter(r["category"] for r in gateway_results + rest_results)
    assert len(categories) >= 12, categories


def test_gateway_never_fails_leaks_or_hangs(gateway_results, website, kb):
    assert not [r for r in gateway_results if r["problem"]], _report(gateway_results)

    def post(message):
        response = requests.post(
            f"{website.url}/api/chat", json={"message": message, "session_id": uuid.uuid4().hex}, timeout=60
        )
        assert response.status_code == 200, response.text
        return response.json()["messages"]

    _assert_answers_normally(post, kb)


def test_rasa_rest_never_fails_leaks_or_hangs(rest_results, rasa_server, kb):
    assert not [r for r in rest_results if r["problem"]], _report(rest_results)

    def post(message):
        response = requests.post(
            f"{rasa_server.url}/webhooks/rest/webhook",
            timeout=60,
            json={"sender": uuid.uuid4().hex, "message": message},
        )
        assert response.status_code == 200, response.text
        return response.json()

    _assert_answers_normally(post, kb)


def test_rasa_rest_answers_an_oversized_or_empty_message_in_french(rasa_server):
    for message, expected in (
        ("a" * 100_000, "Votre message est trop long (100\u202f000 caractères)"),
        ("  \n ", "Votre message est vide"),
    ):
        response = requests.post(
            f"{rasa_server.url}/webhooks/rest/webhook",
            timeout=60,
            json={"sender": uuid.uuid4().hex, "message": message},
        )
        assert response.status_code == 200
        assert response.json()[0]["text"].startswith(expected)


def test_rasa_rest_refuses_a_request_without_sender_in_french(rasa_server):
    """Without a sender, Rasa would file every such client under one shared « default »
    conversation: the guarded channel refuses instead."""
    response = requests.post(f"{rasa_server.url}/webhooks/rest/webhook", json={"message": "Bonjour"}, timeout=30)
    assert response.status_code == 400
    assert "« sender »" in response.json()["error"]


def test_each_path_accepted_most_texts_and_refused_broken_envelopes(gateway_results, rest_results):
    """The corpus reaches the model, not only the gatekeeper: most texts are answered
    (200), and the broken envelopes are refused (4xx)."""
    for results in (gateway_results, rest_results):
        statuses = collections.Counter(r["status"] for r in results)
        assert statuses[200] >= 0.7 * len(results), statuses
        broken = [r for r in results if r["category"] == "JSON cassé"]
        assert broken and all(400 <= r["status"] < 500 for r in broken), collections.Counter(
            r["status"] for r in broken
        )
