"""`make run` from a cold start (nothing running, the model already trained) to the first
answer of the website, on free ports and with a var/ folder of its own."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench import scenarios
from bench.servers import ROOT, base_env, free_port
from bot.rasa_client import answers

QUESTION = scenarios.BOUSSOLE[0][0]


def _first_answer(web_url: str) -> bool:
    request = urllib.request.Request(
        f"{web_url}/api/chat",
        method="POST",
        data=json.dumps({"message": QUESTION.message}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            body = json.load(response)
    except (urllib.error.URLError, OSError, ValueError):
        return False
    text = "\n".join(m.get("text", "") for m in body.get("messages", [])).lower()
    return all(word.lower() in text for word in QUESTION.expect)


def measure(work: Path, token: str, timeout_s: float = 900) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    ports = {"rasa": free_port(), "actions": free_port(), "web": free_port()}
    web_url = f"http://127.0.0.1:{ports['web']}"
    env = base_env(
        BOUSSOLE_VAR_DIR=str(work),
        BOUSSOLE_RASA_TOKEN=token,
        BOUSSOLE_RASA_URL=f"http://localhost:{ports['rasa']}",
        BOUSSOLE_ACTIONS_URL=f"http://localhost:{ports['actions']}",
        BOUSSOLE_WEB_PORT=str(ports["web"]),
    )
    env.pop("MAKEFLAGS", None)
    env.pop("MAKELEVEL", None)
    log_path = work / "make-run.log"
    marks = {}
    start = time.monotonic()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "run"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            while time.monotonic() - start < timeout_s:
                if process.poll() is not None:
                    tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-20:])
                    raise SystemExit(f"« make run » s'est arrêté (code {process.returncode}) :\n{tail}")
                if "website_healthy_s" not in marks and answers(f"{web_url}/healthz"):
                    marks["website_healthy_s"] = round(time.monotonic() - start, 1)
                if "website_healthy_s" in marks and _first_answer(web_url):
                    marks["first_answer_s"] = round(time.monotonic() - start, 1)
                    break
                time.sleep(0.5)
            else:
                raise SystemExit(f"pas de première réponse de « make run » en {timeout_s:.0f} s : voir {log_path}")
        finally:
            # As a Ctrl-C would: the launcher stops every part.
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)
                try:
                    process.wait(timeout=40)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
    output = log_path.read_text(errors="replace")
    marks["model_already_trained"] = "Modèle à jour" in output
    marks["question"] = QUESTION.message
    return marks
