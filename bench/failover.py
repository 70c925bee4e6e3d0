"""Failover under load: `make run-multiserver`'s deployment (2 Rasa servers, 2 action
servers, the website and nginx, under the supervisor that restarts what stops) keeps
answering while one Rasa server and then one action server are killed.

Four phases per load: 10 and 50 conversations, through nginx's REST entry and through the
website's public entry. In each phase, after a warm-up, Rasa 2 is killed (SIGKILL, workers
included); once the supervisor has brought it back and it answers its health check,
Action server 2 is killed the same way; the load goes on `AFTER_S` once it is back. A
conversation plays four turns, then a new conversation starts.

Two loads, told apart by `think_s` in the results:
- **with think time** (the default, `--think 4,10`): after each answer a conversation waits
  a random time, uniform between 4 and 10 s and drawn from a seeded generator, before its
  next message. A person reads a reply of a few lines (the answer, its detail, its source)
  and then types a short follow-up question; that rarely takes less than ten seconds, so
  4–10 s is on the hurried side: the load is heavier than that of the same number of real
  people, and a target held here holds for them. The draw is uniform so that conversations
  drift apart instead of sending in step, and each conversation's first message waits a
  random part of the range too, so that the phase does not open with every conversation
  sending at once. This is the load the targets are about: 50 such conversations send
  6 to 7 turns/s, half of what the machine answers, so a slow turn there comes from the
  failover (one server fewer, a core taken by its reload), not from a machine saturated
  before anything is killed.
- **closed loop** (`--think 0,0`): each conversation sends its next message the instant it
  has the answer. 50 of them keep the 2 cores busy all the time (about 14 turns/s at best),
  and by Little's law every turn waits about 50 / 14 ≈ 3.6 s before anything is killed:
  the wait measures the machine's capacity, whatever the failover does. Kept as a capacity
  measure; its phases are marked `measures: capacity` and their longest wait is not held
  against the 5 s target.

`--think` can be given more than once to run both loads in one go.

Reported for each phase: the turns answered, the failed ones (an HTTP error, no answer,
or the apology of a turn whose action failed), the steady state before the kill (the
median wait and the turns per second of the turns over before Rasa 2 is killed) apart
from the phase's longest wait and its percentiles, and how long each killed server took
to serve again (its health check answering; nginx sends it requests again within its
3 s `fail_timeout`). Targets (issue #19): no failed message in any phase, and no wait
over 5 s in the phases with think time (`targets_met` in each phase).

    .venv/bin/python -m bench.failover                    # the four phases, think time 4–10 s
    .venv/bin/python -m bench.failover --think 0,0        # closed loop: a capacity measure
    .venv/bin/python -m bench.failover --quick            # 10 conversations only
    make bench ONLY=failover

Writes bench/results/failover-<date>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import random
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
# Seconds of load before Rasa 2 is killed; under think time, twice the longest pause
# more (phase()): every conversation has then had turns answered, and the steady state
# before the kill has figures.
WARM_S = 10
BETWEEN_KILLS_S = 5
AFTER_S = 10
BACK_TIMEOUT_S = 300
REQUEST_TIMEOUT_S = 120
TARGET_LONGEST_WAIT_S = 5
# Seconds between an answer and the next message: a hurried person (module docstring);
# (0, 0) is the closed loop, a capacity measure.
THINK_S = (4.0, 10.0)
CLOSED_LOOP = (0.0, 0.0)
SEED = 19
RASA_VICTIM = "Rasa 2"
ACTIONS_VICTIM = "Serveur d'actions 2"


def parse_think(text: str) -> tuple[float, float]:
    """`--think MIN,MAX` (seconds) → (MIN, MAX); `0,0` is the closed loop."""
    try:
        low, high = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"MIN,MAX en secondes attendu, pas « {text} »") from None
    if not (math.isfinite(high) and 0 <= low <= high):
        raise argparse.ArgumentTypeError(f"il faut 0 ≤ MIN ≤ MAX, pas « {text} »")
    return low, high


def measures(think: tuple[float, float]) -> str:
    """What a phase under this load measures: without any think time, the conversations
    keep the machine saturated and their waits are its capacity (module docstring)."""
    return "capacity" if tuple(think) == CLOSED_LOOP else "failover"


def think_label(think: tuple[float, float]) -> str:
    return "boucle fermée" if measures(think) == "capacity" else f"{think[0]:g}–{think[1]:g} s"


class ThinkTime:
    """One conversation's pauses, uniform in `think`, from a generator of its own seeded
    with `seed`: a run plays the same pauses for each conversation whatever the order in
    which the answers come back."""

    def __init__(self, think: tuple[float, float], seed: int | str):
        self.low, self.high = think
        self.random = random.Random(seed)

    def before_first(self) -> float:
        """A random part of the range, so that the conversations do not all start at once."""
        return self.random.uniform(0, self.high) if self.high > 0 else 0.0

    def after_answer(self) -> float:
        return self.random.uniform(self.low, self.high) if self.high > 0 else 0.0


class Load:
    """Conversations through one entry, each pausing `think` seconds after an answer, in
    a thread of their own (an event loop and a client session), until `stop()`."""

    def __init__(self, entry: str, url: str, concurrency: int, think=THINK_S, seed: int = SEED):
        self.entry, self.url, self.concurrency = entry, url, concurrency
        self.think, self.seed = think, seed
        # (seconds from the start of the load to the turn's start, its wait) of the turns
        # answered, and (seconds, what failed) of the failed ones.
        self.turns: list[tuple[float, float]] = []
        self.failures: list[tuple[float, str]] = []
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
            await asyncio.gather(*(self._conversation(session, index) for index in range(self.concurrency)))

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

    async def _pause(self, seconds: float) -> None:
        """Sleeps, but wakes up soon when the load stops."""
        until = time.monotonic() + seconds
        while not self.stopping.is_set() and (left := until - time.monotonic()) > 0:
            await asyncio.sleep(min(left, 0.5))

    async def _conversation(self, session, index: int) -> None:
        pauses = ThinkTime(self.think, f"{self.seed}-{index}")
        await self._pause(pauses.before_first())
        while not self.stopping.is_set():
            conversation = uuid.uuid4().hex
            for message in TURNS:
                if self.stopping.is_set():
                    return
                start = time.monotonic()
                failure = await self._turn(session, conversation, message)
                if failure:
                    self.failures.append((round(start - self.started, 1), failure))
                else:
                    self.turns.append((start - self.started, time.monotonic() - start))
                await self._pause(pauses.after_answer())
                if failure:
                    break


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


def rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None or math.isnan(value) else round(value, digits)


def wait_figures(
    turns: list[tuple[float, float]], failures: list[tuple[float, str]], rasa_killed_at_s: float, think
) -> dict:
    """A phase's figures from its turns ((start, wait) in seconds from the start of the
    load) and failures: the steady state before the kill apart from the whole phase, and
    the targets met. The longest wait is held against the target only under think time."""
    waits = [wait for _, wait in turns]
    steady = [wait for start, wait in turns if start + wait <= rasa_killed_at_s]
    longest = round(max(waits), 2) if waits else None
    kind = measures(think)
    return {
        "think_s": list(think),
        "measures": kind,
        "turns": len(waits),
        "failed": len(failures),
        "failures": sorted({what for _, what in failures}),
        # When each failure and each turn over the target started (the first 50).
        "failures_at_s": failures[:50],
        "slow_turns_at_s": [(round(start, 1), round(wait, 2)) for start, wait in turns if wait > TARGET_LONGEST_WAIT_S][
            :50
        ],
        "steady_turns": len(steady),
        "steady_turns_per_s": round(len(steady) / rasa_killed_at_s, 2) if rasa_killed_at_s > 0 else None,
        "steady_p50_s": rounded(percentile(steady, 0.50)) if steady else None,
        "longest_wait_s": longest,
        "turns_over_target": sum(1 for value in waits if value > TARGET_LONGEST_WAIT_S),
        "p50_s": rounded(percentile(waits, 0.50)) if waits else None,
        "p95_s": rounded(percentile(waits, 0.95)) if waits else None,
        "p99_s": rounded(percentile(waits, 0.99)) if waits else None,
        "mean_s": round(statistics.fmean(waits), 3) if waits else None,
        "targets_met": {
            "failed": not failures,
            "longest_wait": None if kind == "capacity" else longest is not None and longest <= TARGET_LONGEST_WAIT_S,
        },
    }


def targets_met(phases: list[dict]) -> dict:
    """The targets over a run: no failed message in any phase; no wait over the target in
    any phase under think time (None when there was none: closed loop only)."""
    judged = [p["targets_met"]["longest_wait"] for p in phases if p["measures"] == "failover"]
    return {
        "failed": all(p["targets_met"]["failed"] for p in phases),
        "longest_wait": all(judged) if judged else None,
    }


def phase(sup: Supervisor, entry: str, url: str, concurrency: int, think, seed: int, say) -> dict:
    load_before = os.getloadavg()
    load = Load(entry, url, concurrency, think, seed).start()
    try:
        time.sleep(WARM_S + 2 * think[1])
        rasa_killed, rasa_back = kill_and_time_back(sup, RASA_VICTIM, say)
        time.sleep(BETWEEN_KILLS_S)
        actions_killed, actions_back = kill_and_time_back(sup, ACTIONS_VICTIM, say)
        time.sleep(AFTER_S)
    finally:
        load.stop()
    rasa_killed_at_s = round(rasa_killed - load.started, 1)
    return {
        "entry": entry,
        "concurrency": concurrency,
        "duration_s": round(load.elapsed, 1),
        # Seconds from the start of the load.
        "rasa_killed_at_s": rasa_killed_at_s,
        "actions_killed_at_s": round(actions_killed - load.started, 1),
        **wait_figures(list(load.turns), list(load.failures), rasa_killed_at_s, think),
        "rasa_back_after_s": rasa_back,
        "actions_back_after_s": actions_back,
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }


def measure(model: Path, concurrency=CONCURRENCY, entries=ENTRIES, thinks=(THINK_S,), seed: int = SEED) -> dict:
    """Starts the deployment, runs every phase (each load of `thinks`, each number of
    conversations, each entry), stops everything; the figures."""
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
        for think in thinks:
            for conversations in concurrency:
                for entry in entries:
                    say(f"==> {conversations} conversations par {entry}, réflexion : {think_label(think)}")
                    result = phase(sup, entry, urls[entry], conversations, think, seed, say)
                    phases.append(result)
                    say(
                        f"    {result['turns']} tours, {result['failed']} en échec, p50 avant la panne "
                        f"{result['steady_p50_s']} s, attente la plus longue {result['longest_wait_s']} s, "
                        f"p95 {result['p95_s']} s ; Rasa de retour en {result['rasa_back_after_s']} s, "
                        f"actions en {result['actions_back_after_s']} s"
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
    if len(phases) == len(thinks) * len(concurrency) * len(entries) and not any(p["failed"] for p in phases):
        shutil.rmtree(base, ignore_errors=True)
    else:
        print(f"Journaux des serveurs et de nginx : {base}", file=sys.stderr)
    return {
        "setup": "2 serveurs Rasa, 2 serveurs d'actions, site web, nginx ; PostgreSQL, Redis ; superviseur",
        "killed": [RASA_VICTIM, ACTIONS_VICTIM],
        "targets": {
            "failed": 0,
            "longest_wait_s": TARGET_LONGEST_WAIT_S,
            "longest_wait_judged_for": "phases with think time (measures: failover); "
            "the closed-loop ones measure capacity",
        },
        "seed": seed,
        "phases": phases,
        "targets_met": targets_met(phases),
        "supervisor_log": [line for line in notes if "✘" in line or "↻" in line or "✔" in line or "tué" in line],
    }


def verdict(phase: dict) -> str:
    """The targets column: a closed-loop phase is a capacity measure, its waits not judged."""
    met = phase["targets_met"]
    if not met["failed"]:
        return "manqué (messages en échec)"
    if met["longest_wait"] is None:
        return "mesure de capacité"
    return "tenu" if met["longest_wait"] else "manqué (attente > 5 s)"


def seconds(value) -> str:
    return "–" if value is None else f"{value} s"


def table(result: dict) -> str:
    """The phases as a Markdown table: the load, the steady state before the kill, then
    the whole phase (failover included), then the targets."""
    lines = [
        "| réflexion | entrée | conversations | tours | en échec | p50 avant la panne | attente max | > 5 s "
        "| p50 | p95 | p99 | Rasa de retour | actions de retour | objectifs |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in result["phases"]:
        lines.append(
            f"| {think_label(p['think_s'])} | {p['entry']} | {p['concurrency']} | {p['turns']} | {p['failed']} "
            f"| {seconds(p['steady_p50_s'])} | {seconds(p['longest_wait_s'])} | {p['turns_over_target']} "
            f"| {seconds(p['p50_s'])} | {seconds(p['p95_s'])} | {seconds(p['p99_s'])} "
            f"| {seconds(p['rasa_back_after_s'])} | {seconds(p['actions_back_after_s'])} | {verdict(p)} |"
        )
    return "\n".join(lines)


def print_table(result: dict) -> None:
    print("\n" + table(result))


def model_path() -> Path:
    out = subprocess.run([str(ROOT / "scripts" / "model_path.sh")], capture_output=True, text=True, check=True)
    return ROOT / out.stdout.strip()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 conversations seulement")
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--entries", default=",".join(ENTRIES), help="entrées mesurées : nginx, website")
    parser.add_argument(
        "--think",
        type=parse_think,
        action="append",
        metavar="MIN,MAX",
        help="temps de réflexion après chaque réponse, en secondes (par défaut 4,10 ; 0,0 : boucle fermée, "
        "une mesure de capacité) ; répétable pour mesurer plusieurs charges",
    )
    parser.add_argument("--seed", type=int, default=SEED, help="graine des temps de réflexion")
    args = parser.parse_args(argv)
    model = args.model or model_path()
    if not model.exists():
        print(f"Modèle introuvable : {model} (make train).", file=sys.stderr)
        return 2
    entries = tuple(e.strip() for e in args.entries.split(",") if e.strip())
    result = measure(
        model,
        concurrency=CONCURRENCY[:1] if args.quick else CONCURRENCY,
        entries=entries,
        thinks=tuple(args.think or (THINK_S,)),
        seed=args.seed,
    )
    result.update(date=dt.datetime.now().isoformat(timespec="seconds"), model=model.name, cpu_count=os.cpu_count())
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"failover-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print_table(result)
    print(f"Résultats : {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
