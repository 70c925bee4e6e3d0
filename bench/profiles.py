"""Where a turn's time goes: py-spy samples a running Rasa server under load, and each
sample is put in the part of the turn it belongs to (NLU, dialogue policies, the action
call, the tracker store…); pyinstrument profiles, in-process, what the action server
does for the same messages (bot/ answering from the knowledge base)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from bench import load

PY_SPY = str(Path(sys.executable).parent / "py-spy")
RATE_HZ = 100

# (part of the turn, a frame that marks it), the first one found in a sample's stack wins.
PARTS = (
    ("vérification des réponses d'actions (jsonschema)", "_validate_action_result ("),
    # py-spy cuts the deepest stacks: those of jsonschema's recursion lose their callers.
    ("vérification des réponses d'actions (jsonschema)", "jsonschema/"),
    ("appel du serveur d'actions (HTTP, JSON)", "rasa/core/actions/action.py"),
    ("NLU (featurisation, DIET)", "_parse_message_with_graph ("),
    ("politiques de dialogue", "_predict_next_with_tracker ("),
    ("lecture de l'historique (tracker store)", "get_tracker ("),
    ("écriture de l'historique (tracker store)", "save_tracker ("),
    ("reste du tour (Sanic, canal REST, verrou)", "rasa/core/channels/"),
)
OUTSIDE = "hors tour (boucle d'événements, tâches de fond)"
# py-spy without --idle still samples the event loop while it waits in epoll: not work.
IDLE = "attente"
# (function, module) of a sample's last frame that is waiting, not working: the event loop
# in epoll, the parent of Sanic's workers waiting for them.
WAITING = (("serve (", "sanic/server/runners.py"), ("poll (", "multiprocessing/popen_fork.py"))


def classify(stack: str) -> str:
    leaf = stack.rsplit(";", 1)[-1]
    if any(leaf.startswith(function) and module in leaf for function, module in WAITING):
        return IDLE
    for part, marker in PARTS:
        if marker in stack:
            return part
    return OUTSIDE


def summarise(raw_file: Path, turns: int) -> dict:
    """CPU milliseconds per turn for each part, from py-spy's raw output (one line per
    distinct stack, its sample count at the end)."""
    counts = Counter()
    for line in raw_file.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            counts[classify(stack)] += int(count)
    idle = counts.pop(IDLE, 0)
    total = sum(counts.values())
    per_turn = {part: round(n / RATE_HZ / max(turns, 1) * 1000, 2) for part, n in counts.most_common()}
    return {
        "samples": total,
        "idle_samples": idle,
        "turns": turns,
        "cpu_ms_per_turn": per_turn,
        "busy_ms_per_turn": round(total / RATE_HZ / max(turns, 1) * 1000, 2),
    }


def record(
    pid: int, paths, conversations, clients: int, duration_s: float, out: Path, subprocesses: bool = False
) -> dict:
    """Samples `pid` (and its workers) while the load runs; returns the parts of a turn."""
    argv = [
        PY_SPY,
        "record",
        "-p",
        str(pid),
        "-d",
        str(int(duration_s) + 2),
        "-r",
        str(RATE_HZ),
        "--nonblocking",
        "-f",
        "raw",
        "-o",
        str(out),
    ]
    if subprocesses:
        argv.append("--subprocesses")
    spy = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1)
    result = asyncio.run(load.run_load(paths, conversations, clients, duration_s=duration_s))
    _, error = spy.communicate(timeout=60)
    if spy.returncode != 0 or not out.exists():
        return {"error": f"py-spy : {error.decode(errors='replace')[-300:]}"}
    turns = sum(p["turns_ok"] for p in result["paths"].values())
    summary = summarise(out, turns)
    summary["load"] = result["paths"]
    return summary


def actions_in_process(conversations, out: Path) -> dict:
    """bot/'s answers to the benchmark's messages, as the actions compute them (same
    knowledge base, same context carried from turn to turn), under pyinstrument."""
    from pyinstrument import Profiler

    from bot.config import settings
    from bot.core import intent_table
    from bot.knowledge import store
    from bot.knowledge.validation import read_knowledge

    kb = store.in_memory(read_knowledge(settings.KNOWLEDGE_DIR))
    turns = [turn for conversation in conversations for turn in conversation]
    rounds = 20
    profiler = Profiler(interval=0.0005)
    start = time.perf_counter()
    profiler.start()
    for _ in range(rounds):
        for conversation in conversations:
            context = {}
            for turn in conversation:
                updates, _ = intent_table.route_intent(kb, turn.intent, {}, context, turn.message)
                context.update(updates)
    profiler.stop()
    elapsed = time.perf_counter() - start
    out.write_text(profiler.output_text(unicode=True, color=False, show_all=False), encoding="utf-8")
    return {
        "answers": rounds * len(turns),
        "ms_per_answer": round(elapsed / (rounds * len(turns)) * 1000, 3),
        "report": out.name,
    }
