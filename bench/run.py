"""`make bench`: Boussole Export measured against the framework floor in the same run.

Sections (all by default; `--only latency,memory` or `make bench ONLY=latency,memory`):

- latency   turn latency p50/p95/p99 and throughput at 1, 5, 20 and 50 concurrent clients
            (a new conversation every 6 turns) for NLU only, a full REST turn and the
            website gateway; each layer's overhead side by side; model load times
- profile   where a turn's time goes in Rasa (py-spy on the running servers, 5 clients),
            and bot/'s answers profiled in-process (pyinstrument)
- memory    RSS of Rasa, the action server and the website after warm-up and after
            10,000 turns through the gateway
- train     training time of Boussole's model (in a temporary folder) and of the floor
- coldstart `make run` (ports chosen free) from nothing running to the first answer
- nlu       the project's pipeline against Rasa's default one on tests/nlu/heldout.yml
- ranker    answer-unit rankers compared on the dev set of real questions (bench/ranker.py)
- devset    the running assistant on the dev set of real questions, both halves: top-1, key
            facts, honest replies, compound messages (bot/tools/dev_eval.py)
- failover  the multi-server deployment under a load of 10 and 50 conversations (nginx's REST
            entry, the website), each pausing 4–10 s after an answer as a person does, while a
            Rasa server, then an action server, is killed: failed messages, the median wait
            before the kill, the longest wait, time until the killed server serves again
            (bench/failover.py; its --think 0,0 gives the closed-loop capacity measure)

The floor (`rasa init --no-prompt`, trained here) is served with the same endpoints,
credentials and options as Boussole's Rasa, by Rasa's own `rasa run`. Boussole is measured
in several deployments (see VARIANTS), among them Rasa as shipped (before the fixes of
bot/rasa_server/launch.py) and the tuned one. Results: bench/results/bench-<date>.json (and
latest.json), bench/results/bench-<date>.png.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from bench import floor, load, scenarios, servers
from bench.load import GatewayPath, ParsePath, RestPath
from bench.servers import ROOT, BoussoleStack, Deployment, base_env

RESULTS = ROOT / "bench" / "results"
SECTIONS = ("latency", "profile", "memory", "train", "coldstart", "nlu", "ranker", "devset", "failover")
CONCURRENCY = (1, 5, 20, 50)
# Turns per path at each concurrency: enough for a p99 (at least 100), and at least a few
# conversations per client.
TURNS = {1: 120, 5: 300, 20: 600, 50: 900}
SOAK_TURNS = 10_000
TOKEN = "jeton-bench-" + os.urandom(6).hex()


PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
PG_SCHEMA = "boussole_bench_" + os.urandom(4).hex()


def variants(redis_db: int) -> dict[str, Deployment]:
    """Boussole's deployments measured. `tuned` is the one the targets are checked on: two
    processes cannot share a SQLite file without waiting for each other's writes, so its
    SQL tracker store is on PostgreSQL (a schema of its own, dropped at the end)."""
    redis = f"redis://127.0.0.1:6379/{redis_db}"
    return {
        "as_shipped": Deployment(),  # served by plain `rasa run`: the « before » figures
        "default": Deployment(),  # `make run`: one worker of each, SQLite, fixes applied
        "tuned": Deployment(
            rasa_workers=2,
            action_workers=1,
            lock_store=redis,
            tracker_url=PG_URL,
            rasa_env={"POSTGRESQL_SCHEMA": PG_SCHEMA},
        ),
    }


def prepare_tuned(redis_db: int) -> None:
    """Redis and PostgreSQL answer, and the tracker store's schema exists."""
    import redis
    import sqlalchemy as sa

    try:
        redis.Redis(host="127.0.0.1", port=6379, db=redis_db, socket_timeout=3).ping()
    except redis.RedisError as exc:
        raise SystemExit(
            f"Redis injoignable sur 127.0.0.1:6379 ({exc}) : le déploiement « tuned » en a besoin ; "
            "sinon, --variants as_shipped,default (VARIANTS=as_shipped,default)."
        ) from exc
    try:
        engine = sa.create_engine(PG_URL, future=True)
        with engine.begin() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {PG_SCHEMA}")
        engine.dispose()
    except sa.exc.SQLAlchemyError as exc:
        raise SystemExit(
            f"PostgreSQL injoignable ({PG_URL}, {type(exc).__name__}) : le déploiement « tuned » en a "
            "besoin (BENCH_PG_URL) ; sinon, --variants as_shipped,default."
        ) from exc


def drop_tuned_schema() -> None:
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(PG_URL, future=True)
        with engine.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")
        engine.dispose()
    except sa.exc.SQLAlchemyError:
        pass


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def machine() -> dict:
    return {
        "cpus": psutil.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }


def ratio(value, reference) -> float | None:
    return round(value / reference, 3) if value is not None and reference else None


def git_commit() -> str:
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return result.stdout.strip() + ("+modifications" if dirty else "")


def play(paths, conversations, clients: int, turns: int) -> dict:
    return asyncio.run(load.run_load(paths, conversations, clients, turns=turns))


def check_clean(result: dict, where: str) -> None:
    """A wrong or failed answer means a broken path: its figures would mean nothing."""
    for name, figures in result["paths"].items():
        if figures["turns_failed"]:
            raise SystemExit(
                f"{where}, chemin {name} : {figures['turns_failed']} tour(s) en échec "
                f"{figures['errors']} ; exemples : {figures['error_examples']}"
            )


class Target:
    """A running assistant and the paths it offers."""

    def __init__(
        self,
        name: str,
        conversations,
        rasa: servers.Server,
        web: servers.Server = None,
        stack: BoussoleStack = None,
        deployment: Deployment = None,
    ):
        self.name, self.conversations, self.rasa, self.web = name, conversations, rasa, web
        self.stack, self.deployment = stack, deployment

    def paths(self) -> dict[str, load.Path]:
        paths = {"nlu": ParsePath(self.rasa.url, TOKEN), "rest": RestPath(self.rasa.url)}
        if self.web is not None:
            paths["gateway"] = GatewayPath(self.web.url)
        return paths

    def memory(self) -> dict:
        if self.stack is not None:
            return self.stack.memory()
        return {"rasa": self.rasa.memory()}

    def warm_up(self) -> None:
        """First turns load the knowledge base, trace TensorFlow's functions, open pools."""
        paths = list(self.paths().values())
        check_clean(
            play(paths, self.conversations, 1, 2 * len(self.conversations[0]) * len(self.conversations)),
            f"{self.name}, mise en route",
        )
        check_clean(play(paths, self.conversations, 5, 60), f"{self.name}, mise en route")

    def stop(self) -> None:
        if self.stack is not None:
            self.stack.stop()
        else:
            self.rasa.stop()


def start_targets(work: Path, model: Path, floor_model: Path, chosen: list[str], redis_db: int) -> dict[str, Target]:
    """One after the other, so that each model load time is measured alone."""
    targets = {}
    log("floor : chargement du modèle…")
    floor_dir = work / "floor-run"
    floor_dir.mkdir()
    rasa = servers.rasa_server("floor", floor_model, floor_dir, TOKEN, Deployment(), as_shipped=True).start()
    targets["floor"] = Target("floor", scenarios.FLOOR, rasa)
    rasa.wait_ready(900)
    log(f"floor prêt en {rasa.ready_after_s:.0f} s")
    for name, deployment in variants(redis_db).items():
        if name not in chosen:
            continue
        log(f"boussole/{name} ({deployment.label()}) : chargement du modèle…")
        stack_dir = work / name
        stack_dir.mkdir()
        stack = BoussoleStack(model, stack_dir, TOKEN, deployment, as_shipped=(name == "as_shipped"))
        try:
            stack.start(load_timeout=900)
        except Exception:
            stack.stop()
            raise
        targets[name] = Target(name, scenarios.BOUSSOLE, stack.rasa, stack.web, stack, deployment)
        log(f"boussole/{name} prêt en {stack.rasa.ready_after_s:.0f} s")
    return targets


def devset_section(work: Path, model: Path) -> dict:
    """The assistant as `make run` serves it, measured on the dev set (bot/tools/dev_eval.py);
    the per-topic figures and the misses go to bench/results/devset-<date>.json."""
    from bot.rasa_client import RasaClient
    from bot.tools import dev_eval, dev_set

    stack_dir = work / "devset"
    stack_dir.mkdir()
    stack = BoussoleStack(model, stack_dir, TOKEN)
    try:
        stack.start(load_timeout=900)
        log("devset : questions réelles, chacune dans une conversation neuve…")
        figures = dev_eval.measure(RasaClient(stack.rasa.url, TOKEN), dev_set.read(dev_eval.DEV))
    finally:
        stack.stop()
    out = RESULTS / f"devset-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    log("\n" + dev_eval.summary(figures))
    return {half: {k: v for k, v in figures[half].items() if k != "misses"} for half in dev_set.HALVES}


def latency_section(targets: dict[str, Target]) -> dict:
    out = {name: {"runs": {}, "paired_1": None} for name in targets}
    # Side by side at one client: every turn goes through each path in turn.
    for name, target in targets.items():
        log(f"{name} : chemins côte à côte, 1 client")
        result = play(list(target.paths().values()), target.conversations, 1, TURNS[1])
        check_clean(result, f"{name}, côte à côte")
        out[name]["paired_1"] = result
    for clients in CONCURRENCY:
        # Interleaved by concurrency, so that the floor and Boussole share the same moment.
        for name, target in targets.items():
            for path_name, path in target.paths().items():
                result = play([path], target.conversations, clients, TURNS[clients])
                check_clean(result, f"{name}, {path_name}, {clients} clients")
                figures = result["paths"][path_name]
                out[name]["runs"].setdefault(path_name, {})[str(clients)] = figures
                log(
                    f"{name:<10} {path_name:<8} {clients:>2} clients : {figures['throughput_per_s']:6.1f} tours/s, "
                    f"p50 {figures['p50_ms']:7.1f} ms, p95 {figures['p95_ms']:7.1f} ms, p99 {figures['p99_ms']:7.1f} ms"
                )
    return out


def profile_section(targets: dict[str, Target], stamp: str, duration_s: float) -> dict:
    from bench import profiles

    out = {}
    for name, target in targets.items():
        workers = target.deployment.rasa_workers if target.deployment else 1
        log(f"{name} : profil de Rasa par py-spy ({duration_s:.0f} s, 5 clients, tours REST)")
        raw = RESULTS / f"profile-{stamp}-{name}.txt"
        out[name] = profiles.record(
            target.rasa.pid,
            [target.paths()["rest"]],
            target.conversations,
            5,
            duration_s,
            raw,
            subprocesses=workers > 1,
        )
        out[name]["raw"] = raw.name
    log("réponses de bot/ profilées dans le processus (pyinstrument)")
    out["bot_answers"] = profiles.actions_in_process(scenarios.BOUSSOLE, RESULTS / f"profile-{stamp}-bot.txt")
    return out


def soak(target: Target, turns: int, samples: list) -> dict:
    """`turns` turns through the gateway at 20 clients, memory read every 500 turns."""
    done = [0]
    start = time.monotonic()

    def progress():
        done[0] += 1
        if done[0] % 500 == 0:
            samples.append(
                {
                    "turns": done[0],
                    "elapsed_s": round(time.monotonic() - start, 1),
                    **{name: figures["rss_mb"] for name, figures in target.memory().items()},
                }
            )

    path = target.paths()["gateway"]
    result = asyncio.run(load.run_load([path], target.conversations, 20, turns=turns, on_progress=progress))
    check_clean(result, f"{target.name}, {turns} tours")
    return result["paths"][path.name]


def memory_section(targets: dict[str, Target], after_warm_up: dict, soak_target: str) -> dict:
    target = targets[soak_target]
    log(f"{soak_target} : {SOAK_TURNS} tours par le site web (20 clients), mémoire relevée en chemin")
    samples = [{"turns": 0, "elapsed_s": 0, **{name: figures["rss_mb"] for name, figures in target.memory().items()}}]
    figures = soak(target, SOAK_TURNS, samples)
    after = {name: t.memory() for name, t in targets.items()}
    return {
        "after_warm_up": after_warm_up,
        "after_soak": after,
        "soak_target": soak_target,
        "soak_turns": SOAK_TURNS,
        "soak": figures,
        "samples": samples,
    }


def train_section(work: Path, floor_train: dict) -> dict:
    """Boussole's model trained as `make train` does (same options), into a temporary
    folder with an empty training cache, so that nothing is reused."""
    out_dir = work / "train"
    cache = work / "train-cache"
    log("entraînement du modèle de Boussole dans un dossier temporaire (environ 10 minutes)…")
    env = base_env(RASA_CACHE_DIRECTORY=str(cache))
    start = time.monotonic()
    with open(work / "train.log", "wb") as out:
        result = subprocess.run(
            [servers.RASA, "train", "--out", str(out_dir), "--fixed-model-name", "bench", "--num-threads", "2"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    elapsed = time.monotonic() - start
    if result.returncode != 0 or not (out_dir / "bench.tar.gz").exists():
        raise SystemExit(f"l'entraînement a échoué : voir {work / 'train.log'}")
    log(f"modèle de Boussole entraîné en {elapsed:.0f} s")
    return {
        "boussole_train_s": round(elapsed, 1),
        "floor_train_s": floor_train["train_s"],
        "ratio": ratio(elapsed, floor_train["train_s"]),
        "boussole_model_mb": round((out_dir / "bench.tar.gz").stat().st_size / 2**20, 1),
        "note": "Boussole : rasa train --num-threads 2 (options de make train), cache vide ; "
        "floor : rasa init --no-prompt (création du projet et entraînement)",
    }


def coldstart_section(work: Path) -> dict:
    from bench import coldstart

    log("make run à froid jusqu'à la première réponse…")
    return coldstart.measure(work / "coldstart", TOKEN)


def nlu_section() -> dict:
    log("qualité NLU : pipeline du projet contre le pipeline par défaut de Rasa (deux entraînements NLU)…")
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "compare_pipelines.py"), "retenu (config.yml)", "baseline"],
        cwd=ROOT,
        env=base_env(),
    )
    if result.returncode != 0:
        raise SystemExit("la comparaison des pipelines NLU a échoué (voir ci-dessus)")
    figures = json.loads((RESULTS / "nlu_pipelines.json").read_text())["results"]
    ours, baseline = figures["retenu (config.yml)"], figures["baseline"]
    return {
        "project": ours,
        "default_pipeline": baseline,
        "intent_macro_f1_gain": round(ours["intent_macro_f1"] - baseline["intent_macro_f1"], 4),
        "entity_f1_gain": round(ours["entity_f1"] - baseline["entity_f1"], 4),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="sections, séparées par des virgules : " + ", ".join(SECTIONS))
    parser.add_argument(
        "--variants",
        default="as_shipped,default,tuned",
        help="déploiements de Boussole mesurés (as_shipped, default, tuned)",
    )
    parser.add_argument(
        "--redis-db",
        type=int,
        default=int(os.environ.get("BENCH_REDIS_DB", "11")),
        help="base Redis du verrou partagé des workers (11 par défaut)",
    )
    parser.add_argument("--quick", action="store_true", help="peu de tours (mise au point du banc)")
    parser.add_argument(
        "--floor-dir",
        type=Path,
        help="projet floor déjà créé par « rasa init » (mise au point : son entraînement n'est alors pas mesuré)",
    )
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()] or list(SECTIONS)
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown:
        raise SystemExit(f"section(s) inconnue(s) : {', '.join(unknown)} ; au choix : {', '.join(SECTIONS)}")
    chosen_variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    if args.quick:
        global SOAK_TURNS
        TURNS.update({1: 30, 5: 60, 20: 120, 50: 150})
        SOAK_TURNS = 1000
    model = (
        ROOT
        / subprocess.run(
            [str(ROOT / "scripts" / "model_path.sh")], capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    if not model.exists():
        raise SystemExit(f"modèle introuvable : {model.relative_to(ROOT)}. Lancez d'abord « make train ».")

    report = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "commit": git_commit(),
        "sections": chosen,
        "quick": args.quick,
        "machine_start": machine(),
        "model": model.name,
        "turns_per_run": dict(TURNS),
        "conversation_turns": 6,
    }
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    RESULTS.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="boussole-bench-"))
    targets = {}
    try:
        needs_floor = {"latency", "memory", "profile", "train"} & set(chosen)
        if needs_floor and args.floor_dir:
            floor_train = {
                "model": sorted((args.floor_dir / "models").glob("*.tar.gz"))[-1],
                "train_s": None,
                "components": floor._components(args.floor_dir / "config.yml"),
            }
            report["floor"] = {"train_s": None, "components": floor_train["components"], "reused": str(args.floor_dir)}
        elif needs_floor:
            log("floor : rasa init --no-prompt et entraînement dans un dossier temporaire…")
            floor_train = floor.create_and_train(work / "floor")
            log(f"floor entraîné en {floor_train['train_s']:.0f} s")
            report["floor"] = {"train_s": floor_train["train_s"], "components": floor_train["components"]}
        if {"latency", "memory", "profile"} & set(chosen):
            if "tuned" in chosen_variants:
                prepare_tuned(args.redis_db)
            targets = start_targets(work, model, floor_train["model"], chosen_variants, args.redis_db)
            report["deployments"] = {name: t.deployment.as_dict() for name, t in targets.items() if t.deployment}
            report["model_load_s"] = {name: round(t.rasa.ready_after_s, 1) for name, t in targets.items()}
            for target in targets.values():
                log(f"{target.name} : mise en route")
                target.warm_up()
            after_warm_up = {name: t.memory() for name, t in targets.items()}
            if "latency" in chosen:
                report["latency"] = latency_section(targets)
            if "profile" in chosen:
                report["profile"] = profile_section(targets, stamp, 10 if args.quick else 25)
            if "memory" in chosen:
                soak_target = "tuned" if "tuned" in targets else [n for n in targets if n != "floor"][-1]
                report["memory"] = memory_section(targets, after_warm_up, soak_target)
            else:
                report["memory"] = {"after_warm_up": after_warm_up}
            for target in targets.values():
                target.stop()
            targets = {}
        if "train" in chosen:
            report["training"] = train_section(work, floor_train)
        if "coldstart" in chosen:
            report["cold_start"] = coldstart_section(work)
        if "nlu" in chosen:
            report["nlu"] = nlu_section()
        if "ranker" in chosen:
            from bench import ranker

            ranker.main([])
        if "devset" in chosen:
            report["devset"] = devset_section(work, model)
        if "failover" in chosen:
            from bench import failover

            log("panne d'un serveur Rasa puis d'un serveur d'actions sous charge (déploiement multi-serveurs)…")
            report["failover"] = failover.measure(
                model, concurrency=failover.CONCURRENCY[:1] if args.quick else failover.CONCURRENCY
            )
            failover.print_table(report["failover"])
    finally:
        for target in targets.values():
            target.stop()
        report["machine_end"] = machine()
        from bench import report as summary

        report["targets"] = summary.targets(report)
        out = RESULTS / f"bench-{stamp}.json"
        out.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n")
        shutil.copyfile(out, RESULTS / "latest.json")
        plot = summary.plot(report, RESULTS / f"bench-{stamp}.png")
        summary.print_summary(report)
        log(f"écrit : {out.relative_to(ROOT)}" + (f", {plot.relative_to(ROOT)}" if plot else ""))
        shutil.rmtree(work, ignore_errors=True)
        servers.clear_redis_locks(args.redis_db)
        if "tuned" in chosen_variants:
            drop_tuned_schema()
    return 0


if __name__ == "__main__":
    sys.exit(main())
