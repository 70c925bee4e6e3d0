"""The framework floor: the bot `rasa init --no-prompt` creates and trains, in a temporary
folder, then served exactly as Boussole's Rasa is (bench/servers.py: the project's own
launcher, REST channel, HTTP API behind a token, SQL tracker store)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from bench.servers import RASA, StartError, base_env


def create_and_train(folder: Path) -> dict:
    """Runs `rasa init --no-prompt` (project files, then training) into `folder`; returns
    the model and the wall time of the whole command."""
    folder.mkdir(parents=True, exist_ok=True)
    log = folder.parent / "floor-init.log"
    start = time.monotonic()
    with open(log, "wb") as out:
        result = subprocess.run(
            [RASA, "init", "--no-prompt", "--init-dir", str(folder)],
            cwd=folder,
            env=base_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    elapsed = time.monotonic() - start
    models = sorted((folder / "models").glob("*.tar.gz"))
    if result.returncode != 0 or not models:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
        raise StartError(f"« rasa init --no-prompt » a échoué (code {result.returncode}) :\n{tail}")
    return {"model": models[-1], "train_s": round(elapsed, 1), "components": _components(folder / "config.yml")}


def _components(config: Path) -> str:
    """The pipeline and policies the floor was trained with: `rasa init` leaves them to
    Rasa's automatic configuration, which writes them back into config.yml as comments."""
    lines = [
        line.strip("# ").split("name:", 1)[1].strip() for line in config.read_text().splitlines() if "name:" in line
    ]
    return ", ".join(lines)
