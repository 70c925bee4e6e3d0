"""Failover under load: `make run-multiserver`'s deployment (2 Rasa servers, 2 action
servers, the website and nginx, under the supervisor that restarts what stops) keeps
answering while one Rasa server and then one action server are killed.

Four phases: a steady load of 10 and of 50 conversations, through nginx's REST entry and
through the website's public entry. In each phase, after `WARM_S`, Rasa 2 is killed
(SIGKILL, workers included); once the supervisor has brought it back and it answers its
health check, Action server 2 is killed the same way; the load goes on `AFTER_S` once it is
back. Each conversation sends its next turn as soon as it has the answer, four turns,
then a new conversation.

Reported for each phase: the turns answered, the failed ones (an HTTP error, no answer,
or the apology of a turn whose action failed), the longest wait of a turn and its
percentiles, and how long each killed server took to serve again (its health check
answering; nginx sends it requests again within its 3 s `fail_timeout`). Targets
(issue #19): no failed message, no wait over 5 s.

    .venv/bin/python -m bench.failover               # the four phases
    .venv/bin/python -m bench.failover --quick       # 10 conversations only
    make bench ONLY=failover

Writes bench/results/failover-<date>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from bench.multiserver import REDIS_URL, create_database, drop_database, drop_locks, percentile
from bot.multiserver import nginx
from bot.rasa_server.message_checks import NO_ANSWER
from bot.tools.multiserver_demo import on_free_ports, parts
from bot.tools.supervisor import Supervisor

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TURNS = (
    "C'est quoi l'Assurance Prospection ?",
    "Et c'est pour qui ?",
    "ça coûte quoi ?",
    "comment on fait la demande ?",
)
ENTRIES = ("nginx", "website")
CONCURRENCY = (10, 50)
WARM_S = 10
BETWEEN_KILLS_S = 5
AFTER_S = 10
BACK_TIMEOUT_S = 300
REQUEST_TIMEOUT_S = 120
TARGET_LONGEST_WAIT_S = 5
RASA_VICTIM = "Rasa 2"
ACTIONS_VICTIM = "Serveur d'actions 2"


class Load:
    """Closed-loop conversations through one entry, in a thread of their own (an event loop
    and a client session), until `stop()`."""

    def __init__(self, entry: str, url: str, concurrency: int):
        self.entry, self.url, self.concurrency = entry, url, concurrency
        self.latencies: list[float] = []
        # (seconds from the start of the load, what failed) and (seconds, wait) of slow turns.
        self.failures: list[tuple[float, str]] = []
        self.slow: list[tuple[float, float]] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    def start(self) -> Load:
        self.started = time.monotonic()
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=REQUEST_TIMEOUT_S + 30)
        self.elapsed = time.monotonic() - self.started

    async def _run(self) -> None:
        import aiohttp

        connector = aiohttp.TCPConnector(limit=self.concurrency * 2)
        async with aiohttp.ClientSession(connector=connector) as session:
            await asyncio.gather(*(self._conversation(session) for _ in range(self.concurrency)))

    async def _turn(self, session, conversation: str, message: str) -> str | None:
        """None when answered, else what went wrong."""
        import aiohttp

        if self.entry == "nginx":
            url, body = f"{self.url}/webhooks/rest/webhook", {"sender": f"panne-{conversation}", "message": message}
        else:
            url, body = f"{self.url}/api/chat", {"session_id": conversation, "message": message}
        try:
            async with session.post(url, json=body, timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)) as answer:
                if answer.status != 200:
                    return f"HTTP {answer.status}"
                data = await answer.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            return type(exc).__name__
        messages = data if self.entry == "nginx" else data.get("messages", [])
        texts = [m.get("text") or "" for m in messages if isinstance(m, dict)]
        if not texts:
            return "aucune réponse"
        if NO_ANSWER in texts:
            return "excuses (action en échec)"
        return None

    async def _conversation(self, session) -> None:
        while not self.stopping.is_set():
            conversation = uuid.uuid4().hex
            for message in TURNS:
                if self.stopping.is_set():
                    return
                start = time.monotonic()
                failure = await self._turn(session, conversation, message)
                if failure:
                    self.failures.append((round(start - self.started, 1), failure))
                    break
                self.latencies.append(time.monotonic() - start)
                if self.latencies[-1] > TARGET_LONGEST_WAIT_S:
                    self.slow.append((round(start - self.started, 1), round(self.latencies[-1], 2)))


def kill_and_time_back(sup: Supervisor, name: str, say) -> tuple[float, float | None]:
    """Kills the part named `name` as a crash would; returns when (time.monotonic()) and the
    seconds until the supervisor's new process answers its health check (None: not
    within BACK_TIMEOUT_S)."""
    victim = next(r for r in sup.running if r.part.name.startswith(name))
    old_pid = victim.process.pid
    victim.signal_group(signal.SIGKILL)
    killed = time.monotonic()
    say(f"… {victim.part.name} tué (SIGKILL)")
    while time.monotonic() - killed < BACK_TIMEOUT_S:
        if victim.process.pid != old_pid and victim.alive and victim.ready():
            return killed, round(time.monotonic() - killed, 1)
        time.sleep(0.5)
    return killed, None


def phase(sup: Supervisor, entry: str, url: str, concurrency: int, say) -> dict:
    load_before = os.getloadavg()
    load = Load(entry, url, concurrency).start()
    try:
        time.sleep(WARM_S)
        rasa_killed, rasa_back = kill_and_time_back(sup, RASA_VICTIM, say)
        time.sleep(BETWEEN_KILLS_S)
        actions_killed, actions_back = kill_and_time_back(sup, ACTIONS_VICTIM, say)
        time.sleep(AFTER_S)
    finally:
        load.stop()
    latencies = load.latencies
    return {
        "entry": entry,
        "concurrency": concurrency,
        "duration_s": round(load.elapsed, 1),
        "turns": len(latencies),
        "failed": len(load.failures),
        "failures": sorted({what for _, what in load.failures}),
        # Seconds from the start of the load: when each server was killed, when each
        # failure and each turn over the target started (the first 50).
        "rasa_killed_at_s": round(rasa_killed - load.started, 1),
        "actions_killed_at_s": round(actions_killed - load.started, 1),
        "failures_at_s": load.failures[:50],
        "slow_turns_at_s": load.slow[:50],
        "longest_wait_s": round(max(latencies), 2) if latencies else None,
        "turns_over_target": sum(1 for value in latencies if value > TARGET_LONGEST_WAIT_S),
        "p50_s": round(percentile(latencies, 0.50), 3),
        "p95_s": round(percentile(latencies, 0.95), 3),
        "p99_s": round(percentile(latencies, 0.99), 3),
        "mean_s": round(statistics.fmean(latencies), 3) if latencies else None,
        "rasa_back_after_s": rasa_back,
        "actions_back_after_s": actions_back,
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }


def measure(model: Path, concurrency=CONCURRENCY, entries=ENTRIES) -> dict:
    """Starts the deployment, runs every phase, stops everything; the figures."""
    from bot.knowledge import store
    from bot.knowledge.validation import read_knowledge

    base = ROOT / "var" / f"bench-failover-{uuid.uuid4().hex[:6]}"
    prefix = f"failover{uuid.uuid4().hex[:8]}"
    db_url = create_database()
    started = time.monotonic()
    notes: list[str] = []

    def say(line: str) -> None:
        notes.append(f"{time.monotonic() - started:7.1f} s  {line}")
        print(notes[-1], flush=True)

    layout = on_free_ports()
    env = dict(
        os.environ,
        BOUSSOLE_DB_URL=db_url,
        BOUSSOLE_TRACKER_URL=db_url,
        BOUSSOLE_LOCK_STORE=REDIS_URL,
        BOUSSOLE_LOCK_PREFIX=prefix,
        BOUSSOLE_RASA_TOKEN=uuid.uuid4().hex,
        # Every conversation of the load comes from one address.
        BOUSSOLE_RATE_LIMIT_IP="1000000",
    )
    sup = Supervisor(base / "logs", ROOT, say=say)
    watching = threading.Event()
    watcher = threading.Thread(target=sup.watch, args=(watching.is_set,), daemon=True)
    phases = []
    try:
        store.load(read_knowledge(ROOT / "knowledge"), store.make_engine(db_url), "bench")
        nginx.write(layout, base / "nginx")
        nginx.check(base / "nginx")
        for part in parts(layout, env, str(model), base):
            sup.start(part)
        if not sup.wait_ready(900, lambda: False):
            raise SystemExit(f"le déploiement n'a pas démarré ; journaux : {base / 'logs'}")
        watcher.start()
        urls = {"nginx": layout.rasa_url, "website": f"http://{layout.public}"}
        for conversations in concurrency:
            for entry in entries:
                say(f"==> {conversations} conversations par {entry}")
                result = phase(sup, entry, urls[entry], conversations, say)
                phases.append(result)
                say(
                    f"    {result['turns']} tours, {result['failed']} en échec, attente la plus longue "
                    f"{result['longest_wait_s']} s, p95 {result['p95_s']} s ; Rasa de retour en "
                    f"{result['rasa_back_after_s']} s, actions en {result['actions_back_after_s']} s"
                )
    finally:
        watching.set()
        if watcher.is_alive():
            watcher.join(timeout=10)
        leftovers = sup.stop()
        drop_database(db_url)
        drop_locks(prefix)
        if leftovers:
            print(f"Processus restants : {leftovers}", file=sys.stderr)
    # The servers' and nginx's logs only matter when something failed.
    if len(phases) == len(concurrency) * len(entries) and not any(p["failed"] for p in phases):
        shutil.rmtree(base, ignore_errors=True)
    else:
        print(f"Journaux des serveurs et de nginx : {base}", file=sys.stderr)
    return {
        "setup": "2 serveurs Rasa, 2 serveurs d'actions, site web, nginx ; PostgreSQL, Redis ; superviseur",
        "killed": [RASA_VICTIM, ACTIONS_VICTIM],
        "targets": {"failed": 0, "longest_wait_s": TARGET_LONGEST_WAIT_S},
        "phases": phases,
        "supervisor_log": [line for line in notes if "✘" in line or "↻" in line or "✔" in line or "tué" in line],
    }


def print_table(result: dict) -> None:
    print(
        "\n| entrée | conversations | tours | en échec | attente max | > 5 s | p50 | p95 | p99 "
        "| Rasa de retour | actions de retour |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for p in result["phases"]:
        print(
            f"| {p['entry']} | {p['concurrency']} | {p['turns']} | {p['failed']} | {p['longest_wait_s']} s | "
            f"{p['turns_over_target']} | {p['p50_s']} s | {p['p95_s']} s | {p['p99_s']} s | "
            f"{p['rasa_back_after_s']} s | {p['actions_back_after_s']} s |"
        )


def model_path() -> Path:
    out = subprocess.run([str(ROOT / "scripts" / "model_path.sh")], capture_output=True, text=True, check=True)
    return ROOT / out.stdout.strip()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 conversations seulement")
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--entries", default=",".join(ENTRIES), help="entrées mesurées : nginx, website")
    args = parser.parse_args(argv)
    model = args.model or model_path()
    if not model.exists():
        print(f"Modèle introuvable : {model} (make train).", file=sys.stderr)
        return 2
    entries = tuple(e.strip() for e in args.entries.split(",") if e.strip())
    result = measure(model, concurrency=CONCURRENCY[:1] if args.quick else CONCURRENCY, entries=entries)
    result.update(date=dt.datetime.now().isoformat(timespec="seconds"), model=model.name, cpu_count=os.cpu_count())
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"failover-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print_table(result)
    print(f"Résultats : {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
