"""Throughput and p95 latency of REST turns at 20 and 50 concurrent conversations, with one
Rasa server and with two, in the same run.

Everything runs on this machine, on free ports: two action servers, two Rasa servers on
the same model (PostgreSQL tracker store in a database of its own, Redis locks under a
prefix of its own) and two nginx masters rendered from the project's template, one that
knows only the first Rasa server and one that knows both. The phases alternate (20 on
one, 20 on two, 50 on one, 50 on two) so that a change in the machine's load touches both
sides. Each conversation is a closed loop over four turns (a programme, then three
follow-ups), a new conversation after each fourth turn.

    .venv/bin/python bench/multiserver.py                 # 60 s per phase
    .venv/bin/python bench/multiserver.py --duration 10   # a short run while building

Prints a table and writes bench/results/deployment-<date>.json, with os.getloadavg() and, for
each phase, the CPU seconds the servers and the load generator used against those of the
rest of the machine (PostgreSQL, Redis, any other user) and those available.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import shutil
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.multiserver import nginx  # noqa: E402
from bot.rasa_client import message_body, webhook_url  # noqa: E402
from bot.tools.multiserver_demo import on_free_ports  # noqa: E402
from bot.tools.processes import free_port  # noqa: E402
from bot.tools.supervisor import Part, Supervisor  # noqa: E402

TURNS = (
    "C'est quoi l'Assurance Prospection ?",
    "Et c'est pour qui ?",
    "ça coûte quoi ?",
    "comment on fait la demande ?",
)
PG_URL = os.environ.get("BOUSSOLE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = "redis://127.0.0.1:6379/11"
REQUEST_TIMEOUT_S = 120


def percentile(values: list, share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    # Nearest rank: the smallest value with at least `share` of the values at or below it.
    index = min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))
    return ordered[index]


async def conversation(session, url: str, stop_at: float, latencies: list, errors: list) -> None:
    import aiohttp

    while time.monotonic() < stop_at:
        sender = f"bench-{uuid.uuid4().hex[:12]}"
        for message in TURNS:
            if time.monotonic() >= stop_at:
                return
            start = time.monotonic()
            try:
                async with session.post(
                    webhook_url(url),
                    json=message_body(sender, message),
                    timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S),
                ) as response:
                    body = await response.json(content_type=None)
                    if response.status != 200 or not body:
                        errors.append(f"HTTP {response.status}")
                        continue
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                errors.append(type(exc).__name__)
                continue
            # Only turns that end inside the window count, so that throughput is turns/s.
            if time.monotonic() <= stop_at:
                latencies.append(time.monotonic() - start)


async def load(url: str, concurrency: int, duration: float) -> dict:
    import aiohttp

    latencies, errors = [], []
    connector = aiohttp.TCPConnector(limit=concurrency * 2)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.monotonic()
        stop_at = start + duration
        await asyncio.gather(*(conversation(session, url, stop_at, latencies, errors) for _ in range(concurrency)))
        elapsed = min(time.monotonic(), stop_at) - start
    return {
        "turns": len(latencies),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "throughput_turns_per_s": round(len(latencies) / elapsed, 2),
        "p50_s": round(percentile(latencies, 0.50), 3),
        "p95_s": round(percentile(latencies, 0.95), 3),
        "p99_s": round(percentile(latencies, 0.99), 3),
        "mean_s": round(statistics.fmean(latencies), 3) if latencies else None,
    }


def cpu_seconds() -> float:
    """CPU seconds of this load generator and of its children, which are the servers."""
    import psutil

    total = 0.0
    me = psutil.Process()
    for one in [me] + me.children(recursive=True):
        try:
            times = one.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def resident_memory(sup: Supervisor) -> dict:
    """Resident memory of each server at the end of the run, in MB."""
    import psutil

    memory = {}
    for running in sup.running:
        try:
            memory[running.part.name] = round(psutil.Process(running.process.pid).memory_info().rss / 2**20)
        except psutil.Error:
            continue
    return memory


def machine_cpu_seconds() -> float:
    import psutil

    times = psutil.cpu_times()
    return times.user + times.system + getattr(times, "nice", 0.0)


def create_database() -> str:
    from sqlalchemy import create_engine, text

    name = f"boussole_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, future=True, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return PG_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_database(url: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_URL, future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)"))
    admin.dispose()


def drop_locks(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


def start_deployment(sup: Supervisor, base: Path, model: str, db_url: str, prefix: str) -> dict:
    """Two action servers, two Rasa servers, and two nginx: « one » (first Rasa server only)
    and « two » (both). Returns the Rasa entry of each and the processes."""
    two = on_free_ports()
    rasa, actions = two.rasa, two.actions
    one = two.with_rasa(
        rasa[:1],
        public=f"127.0.0.1:{free_port()}",
        rasa_entry=f"127.0.0.1:{free_port()}",
        actions_entry=f"127.0.0.1:{free_port()}",
    )
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        BOUSSOLE_DB_URL=db_url,
        BOUSSOLE_TRACKER_URL=db_url,
        BOUSSOLE_LOCK_STORE=REDIS_URL,
        BOUSSOLE_LOCK_PREFIX=prefix,
        BOUSSOLE_ACTIONS_URL=two.actions_url,
        BOUSSOLE_RASA_TOKEN=uuid.uuid4().hex,
    )
    py = sys.executable
    for name, layout in (("one", one), ("two", two)):
        nginx.write(layout, base / f"nginx-{name}")
        nginx.check(base / f"nginx-{name}")
        sup.start(
            Part(
                f"nginx {name}",
                nginx.command(base / f"nginx-{name}"),
                env,
                f"{layout.rasa_url}/lb-health",
                stops_first=True,
            )
        )
    for index, address in enumerate(actions, 1):
        sup.start(
            Part(
                f"actions {index}",
                [py, "-m", "bot", "serve", "actions", "--port", address.rsplit(":", 1)[1]],
                env,
                f"http://{address}/health",
            )
        )
    for index, address in enumerate(rasa, 1):
        sup.start(
            Part(
                f"rasa {index}",
                [
                    py,
                    "-m",
                    "bot",
                    "serve",
                    "rasa",
                    "--port",
                    address.rsplit(":", 1)[1],
                    "--model",
                    model,
                    "--out",
                    str(base / f"rasa-{index}"),
                ],
                env,
                f"http://{address}/",
                waiting="chargement du modèle",
            )
        )
    return {"one": one.rasa_url, "two": two.rasa_url, "rasa": [f"http://{a}" for a in rasa]}


async def warm_up(urls: list) -> None:
    """A few conversations on each server: TensorFlow's first predictions are slow."""
    for url in urls:
        await load(url, concurrency=2, duration=5)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60, help="secondes par phase (60)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[20, 50])
    parser.add_argument("--model", default=None, help="modèle entraîné (par défaut : celui de scripts/model_path.sh)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)

    import subprocess

    model = args.model or str(
        ROOT
        / subprocess.run(
            [str(ROOT / "scripts" / "model_path.sh")], capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    if not Path(model).exists():
        print(f"Modèle introuvable : {model} (make train).", file=sys.stderr)
        return 2
    base = ROOT / "var" / f"bench-multiserver-{uuid.uuid4().hex[:6]}"
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    db_url = create_database()
    sup = Supervisor(base / "logs", ROOT, say=lambda line: print(line, flush=True))
    phases = []
    try:
        from bot.knowledge import store
        from bot.knowledge.validation import read_knowledge

        store.load(read_knowledge(ROOT / "knowledge"), store.make_engine(db_url), "bench")
        entries = start_deployment(sup, base, model, db_url, prefix)
        if not sup.wait_ready(900, lambda: False):
            return 1
        asyncio.run(warm_up(entries["rasa"]))
        load_at_start = os.getloadavg()
        # cpu_seconds(): the servers and this load generator; the rest of the machine is
        # PostgreSQL, Redis and whatever else runs there.
        for concurrency in args.concurrency:
            for servers in ("one", "two"):
                before_ours, before_all, load_before = cpu_seconds(), machine_cpu_seconds(), os.getloadavg()
                result = asyncio.run(load(entries[servers], concurrency, args.duration))
                ours, everything = cpu_seconds() - before_ours, machine_cpu_seconds() - before_all
                result.update(
                    rasa_servers=1 if servers == "one" else 2,
                    concurrency=concurrency,
                    duration_s=args.duration,
                    loadavg_before=[round(x, 2) for x in load_before],
                    loadavg_after=[round(x, 2) for x in os.getloadavg()],
                    cpu_s_available=round(args.duration * (os.cpu_count() or 1), 1),
                    cpu_s_servers_and_load_generator=round(ours, 1),
                    cpu_s_rest_of_machine=round(max(0.0, everything - ours), 1),
                )
                phases.append(result)
                print(
                    f"{concurrency:>3} conversations, {result['rasa_servers']} serveur(s) Rasa : "
                    f"{result['throughput_turns_per_s']:6.2f} tours/s, p95 {result['p95_s']:.2f} s, "
                    f"{result['errors']} erreur(s), charge {result['loadavg_after'][0]}",
                    flush=True,
                )
        memory_mb = resident_memory(sup)
    finally:
        leftovers = sup.stop()
        drop_database(db_url)
        drop_locks(prefix)
        if leftovers:
            print(f"Processus restants : {leftovers}", file=sys.stderr)
        if len(phases) < 2 * len(args.concurrency):
            print(f"Mesure interrompue ; journaux des serveurs : {base / 'logs'}", file=sys.stderr)
    # The servers' logs only matter when a run fails.
    shutil.rmtree(base, ignore_errors=True)
    ratios = {}
    for concurrency in args.concurrency:
        one = next(p for p in phases if p["concurrency"] == concurrency and p["rasa_servers"] == 1)
        two = next(p for p in phases if p["concurrency"] == concurrency and p["rasa_servers"] == 2)
        ratios[str(concurrency)] = {
            "throughput_two_over_one": round(two["throughput_turns_per_s"] / one["throughput_turns_per_s"], 2),
            "p95_two_over_one": round(two["p95_s"] / one["p95_s"], 2),
        }
    report = {
        "benchmark": "multiserver",
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "model": Path(model).name,
        "cpu_count": os.cpu_count(),
        "loadavg_at_start": [round(x, 2) for x in load_at_start],
        "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
        "turns_of_a_conversation": list(TURNS),
        "setup": "2 serveurs d'actions, PostgreSQL (tracker), Redis (verrous), nginx ; 1 ou 2 serveurs Rasa",
        "phases": phases,
        "ratios": ratios,
        "resident_memory_mb": memory_mb,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"multiserver-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for concurrency, ratio in ratios.items():
        print(
            f"{concurrency} conversations : débit ×{ratio['throughput_two_over_one']}, "
            f"p95 ×{ratio['p95_two_over_one']} avec deux serveurs Rasa au lieu d'un."
        )
    print("Mémoire résidente : " + ", ".join(f"{name} {mb} Mo" for name, mb in memory_mb.items()))
    print(f"Résultats : {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
