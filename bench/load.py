"""A closed-loop load generator for a Rasa assistant: N concurrent clients, each playing
scripted conversations turn after turn (a new conversation, with a new sender id, every
len(script) turns), every answer checked, so that a broken path cannot look fast.

Three paths: NLU only (`/model/parse`), a full turn over Rasa's REST channel, and a turn
through Boussole's website gateway (`POST /api/chat`). Several paths given together are
played side by side: each client sends the same turn on every path in turn (one sender
per path), so that their latencies are measured under the same conditions.

As a module: `asyncio.run(run_load([RestPath(url)], CONVERSATIONS, clients=20, turns=600))`.
From the command line:
    python -m bench.load --path rest=http://127.0.0.1:5005 --clients 20 --turns 600
    python -m bench.load --path gateway=http://127.0.0.1:8080 --path rest=http://127.0.0.1:5005 \
        --clients 1 --turns 120 --scenario boussole --json out.json
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import json
import math
import os
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp

from bot.rasa_client import message_body, webhook_url


@dataclass(frozen=True)
class Turn:
    """One user message, the intent NLU must find and words the answer must contain
    (case-insensitive, all of them)."""

    message: str
    intent: str
    expect: tuple[str, ...] = ()


Conversation = Sequence[Turn]


class Path:
    """How one kind of request is sent and how its answer is checked."""

    name = ""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")

    def request(self, sender: str, turn: Turn) -> tuple[str, dict]:
        raise NotImplementedError

    def check(self, body, turn: Turn) -> str | None:
        """None if the answer is the expected one, else what is wrong."""
        raise NotImplementedError


def _texts_problem(texts: list[str], turn: Turn) -> str | None:
    joined = "\n".join(texts).lower()
    if not joined.strip():
        return "réponse vide"
    missing = [word for word in turn.expect if word.lower() not in joined]
    return f"sans « {', '.join(missing)} » : {joined[:120]!r}" if missing else None


class ParsePath(Path):
    """NLU only: Rasa's HTTP API, behind its token."""

    name = "nlu"

    def __init__(self, base_url: str, token: str):
        super().__init__(base_url)
        self.token = token

    def request(self, sender, turn):
        return f"{self.base_url}/model/parse?token={self.token}", {"text": turn.message}

    def check(self, body, turn):
        intent = ((body or {}).get("intent") or {}).get("name")
        return None if intent == turn.intent else f"intention {intent!r} au lieu de {turn.intent!r}"


class RestPath(Path):
    """A full turn: NLU, policies, actions, tracker store, over Rasa's REST channel."""

    name = "rest"

    def request(self, sender, turn):
        return webhook_url(self.base_url), message_body(sender, turn.message)

    def check(self, body, turn):
        if not isinstance(body, list):
            return f"réponse inattendue : {str(body)[:120]!r}"
        return _texts_problem([m.get("text") or "" for m in body], turn)


class GatewayPath(Path):
    """The same turn through the website's JSON gateway."""

    name = "gateway"

    def request(self, sender, turn):
        # The website accepts only its own 128-bit ids (bot/website/sessions.py): one per sender.
        return f"{self.base_url}/api/chat", {
            "session_id": hashlib.md5(sender.encode()).hexdigest(),
            "message": turn.message,
        }

    def check(self, body, turn):
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return f"réponse inattendue : {str(body)[:120]!r}"
        return _texts_problem([m.get("text") or "" for m in body["messages"]], turn)


PATHS = {"nlu": ParsePath, "rest": RestPath, "gateway": GatewayPath}


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class PathStats:
    path: str
    latencies_ms: list[float] = field(default_factory=list)
    # Turn number → latency, to compare paths turn by turn when they are played together.
    by_turn: dict[int, float] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    def fail(self, kind: str, detail: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1
        if len(self.examples) < 5:
            self.examples.append(detail)

    def summary(self, elapsed_s: float) -> dict:
        values = sorted(self.latencies_ms)
        ok = len(values)
        failed = sum(self.errors.values())
        rounded = lambda v: None if v is None else round(v, 2)  # noqa: E731
        return {
            "path": self.path,
            "turns_ok": ok,
            "turns_failed": failed,
            "errors": dict(self.errors),
            "error_examples": list(self.examples),
            "throughput_per_s": round(ok / elapsed_s, 2) if elapsed_s > 0 else None,
            "p50_ms": rounded(percentile(values, 50)),
            "p95_ms": rounded(percentile(values, 95)),
            "p99_ms": rounded(percentile(values, 99)),
            "mean_ms": rounded(sum(values) / ok) if ok else None,
            "max_ms": rounded(values[-1]) if values else None,
        }


async def _send(
    session: aiohttp.ClientSession, path: Path, sender: str, turn: Turn, stats: PathStats, timeout_s: float, number: int
) -> None:
    url, payload = path.request(sender, turn)
    start = time.perf_counter()
    try:
        async with session.post(url, json=payload, timeout=aiohttp.ClientTimeout(total=timeout_s)) as response:
            raw = await response.read()
            elapsed_ms = (time.perf_counter() - start) * 1000
            if response.status != 200:
                stats.fail(f"http_{response.status}", f"{turn.message!r} → HTTP {response.status} {raw[:120]!r}")
                return
        body = json.loads(raw)
    except asyncio.TimeoutError:
        stats.fail("timeout", f"{turn.message!r} → pas de réponse en {timeout_s:.0f} s")
        return
    except (aiohttp.ClientError, ValueError) as exc:
        stats.fail(type(exc).__name__, f"{turn.message!r} → {exc}")
        return
    problem = path.check(body, turn)
    if problem:
        stats.fail("wrong_answer", f"{turn.message!r} → {problem}")
        return
    stats.latencies_ms.append(elapsed_ms)
    stats.by_turn[number] = elapsed_ms


def paired_differences(stats: dict[str, PathStats]) -> dict:
    """For paths played side by side, each path's extra time over the previous one, turn
    by turn (same message, same moment): median and p95 of the differences, in ms."""
    names = list(stats)
    out = {}
    for before, after in zip(names, names[1:]):
        common = sorted(set(stats[before].by_turn) & set(stats[after].by_turn))
        differences = sorted(stats[after].by_turn[n] - stats[before].by_turn[n] for n in common)
        if differences:
            out[f"{after}-{before}"] = {
                "turns": len(differences),
                "median_ms": round(percentile(differences, 50), 2),
                "p95_ms": round(percentile(differences, 95), 2),
            }
    return out


async def run_load(
    paths: Sequence[Path],
    conversations: Sequence[Conversation],
    clients: int,
    turns: int | None = None,
    duration_s: float | None = None,
    timeout_s: float = 30,
    sender_prefix: str | None = None,
    on_progress=None,
) -> dict:
    """Plays conversations with `clients` concurrent clients until `turns` turns (per path)
    have been sent or `duration_s` has passed. Returns the figures per path."""
    if turns is None and duration_s is None:
        raise ValueError("turns or duration_s is needed")
    prefix = sender_prefix or f"bench{uuid.uuid4().hex[:8]}"
    stats = {path.name: PathStats(path.name) for path in paths}
    budget = itertools.count()
    numbers = itertools.count()
    deadline = time.monotonic() + duration_s if duration_s else None

    def another_turn() -> bool:
        if deadline and time.monotonic() >= deadline:
            return False
        return turns is None or next(budget) < turns

    async def client(index: int, session: aiohttp.ClientSession) -> None:
        for number in itertools.count():
            conversation = conversations[(index + number) % len(conversations)]
            senders = {path.name: f"{prefix}-{path.name}-{index}-{number}" for path in paths}
            for turn in conversation:
                if not another_turn():
                    return
                number = next(numbers)
                for path in paths:
                    await _send(session, path, senders[path.name], turn, stats[path.name], timeout_s, number)
                if on_progress:
                    on_progress()

    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(client(i, session) for i in range(clients)))
        elapsed = time.perf_counter() - started
    return {
        "clients": clients,
        "elapsed_s": round(elapsed, 2),
        "conversation_turns": len(conversations[0]),
        "paths": {name: s.summary(elapsed) for name, s in stats.items()},
        "side_by_side": paired_differences(stats) if len(paths) > 1 else {},
    }


def _parse_path(spec: str, token: str | None) -> Path:
    name, _, url = spec.partition("=")
    if name not in PATHS or not url:
        raise SystemExit(f"--path attend nlu=URL, rest=URL ou gateway=URL, pas « {spec} ».")
    if name == "nlu":
        if not token:
            raise SystemExit("--path nlu=… demande le jeton de l'API de Rasa (--token ou BOUSSOLE_RASA_TOKEN).")
        return ParsePath(url, token)
    return PATHS[name](url)


def main(argv=None) -> int:
    from bench import scenarios

    parser = argparse.ArgumentParser(
        prog="python -m bench.load",
        description="Charge un assistant Rasa et mesure latences et débit (réponses vérifiées).",
    )
    parser.add_argument("--path", action="append", required=True, help="nlu=URL, rest=URL ou gateway=URL (répétable)")
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--turns", type=int, help="tours par chemin (par défaut : 100 par client)")
    parser.add_argument("--duration", type=float, help="durée en secondes, au lieu d'un nombre de tours")
    parser.add_argument("--scenario", choices=sorted(scenarios.SCENARIOS), default="boussole")
    parser.add_argument("--token", default=os.environ.get("BOUSSOLE_RASA_TOKEN"))
    parser.add_argument("--json", help="écrire le résultat dans ce fichier")
    args = parser.parse_args(argv)
    paths = [_parse_path(spec, args.token) for spec in args.path]
    turns = args.turns if args.turns or args.duration else 100 * args.clients
    result = asyncio.run(
        run_load(paths, scenarios.SCENARIOS[args.scenario], args.clients, turns=turns, duration_s=args.duration)
    )
    for name, figures in result["paths"].items():
        print(
            f"{name:<8} {args.clients:>3} clients : {figures['throughput_per_s']} tours/s, "
            f"p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, p99 {figures['p99_ms']} ms, "
            f"{figures['turns_ok']} réussis, {figures['turns_failed']} échoués {figures['errors'] or ''}"
        )
        for example in figures["error_examples"]:
            print(f"    {example}")
    for pair, figures in result["side_by_side"].items():
        print(f"{pair} : médiane {figures['median_ms']} ms, p95 {figures['p95_ms']} ms, tour par tour")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(result, out, ensure_ascii=False, indent=2)
    return 0 if all(f["turns_failed"] == 0 for f in result["paths"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
