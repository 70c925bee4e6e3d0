"""Rasa's ResponseSelector as an answer-unit ranker (issue #17), for bench/ranker.py.

One retrieval intent, `faq`, with one response key per FAQ entry (`faq/<id>`) whose examples
are the entry's question and variants: only FAQ entries are written as questions someone asks,
the other units have names, not questions. The model is trained NLU-only in a temporary
folder, never in models/, with a small pipeline (whitespace tokens, word and character
counts, ResponseSelector), then queried in-process.

    .venv/bin/python -m bench.response_selector /tmp/rs     # writes the data, trains once
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

from bot.core.ranker import Ranked

INTENT = "faq"
EPOCHS = 40
PIPELINE = [
    {"name": "WhitespaceTokenizer"},
    {"name": "CountVectorsFeaturizer"},
    {
        "name": "CountVectorsFeaturizer",
        "analyzer": "char_wb",
        "min_ngram": 2,
        "max_ngram": 4,
        "strip_accents": "unicode",
    },
    {"name": "ResponseSelector", "epochs": EPOCHS, "retrieval_intent": INTENT, "random_seed": 1},
]


def _key(unit) -> str:
    return f"{INTENT}/{unit.record_id}"


def write_data(units: list, folder: Path) -> None:
    """The training data (one response key per FAQ entry) and the pipeline, in `folder`."""
    faq = [u for u in units if u.kind == "faq"]
    nlu = {
        "version": "3.1",
        "nlu": [{"intent": _key(u), "examples": "".join(f"- {' '.join(k.split())}\n" for k in u.keys)} for u in faq],
        "responses": {f"utter_{_key(u)}": [{"text": " ".join(u.text.split())}] for u in faq},
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "nlu.yml").write_text(yaml.safe_dump(nlu, allow_unicode=True, sort_keys=False), encoding="utf-8")
    config = {"recipe": "default.v1", "language": "fr", "pipeline": PIPELINE, "policies": []}
    (folder / "config.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    domain = {"version": "3.1", "intents": [INTENT]}
    (folder / "domain.yml").write_text(yaml.safe_dump(domain, sort_keys=False), encoding="utf-8")


def train(folder: Path) -> float:
    """Trains the model into `folder`/model.tar.gz at low priority; the time it took, in s."""
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2")
    rasa = Path(sys.executable).with_name("rasa")
    start = time.perf_counter()
    subprocess.run(
        [
            "nice",
            "-n",
            "10",
            str(rasa),
            "train",
            "nlu",
            "-c",
            "config.yml",
            "-u",
            "nlu.yml",
            "-d",
            "domain.yml",
            "--out",
            ".",
            "--fixed-model-name",
            "model",
        ],
        cwd=folder,
        env=env,
        check=True,
    )
    return time.perf_counter() - start


class ResponseSelectorRanker:
    """The trained model's response keys, best first, as ranked FAQ units; the confidence is
    the ResponseSelector's own."""

    def __init__(self, units: list, model: Path):
        from rasa.core.agent import Agent

        self.by_key = {_key(u): u for u in units if u.kind == "faq"}
        self.agent = Agent.load(str(model))
        self.loop = asyncio.new_event_loop()

    def rank(self, question: str, limit: int = 5) -> list:
        parsed = self.loop.run_until_complete(self.agent.parse_message(question))
        ranking = parsed.get("response_selector", {}).get(INTENT, {}).get("ranking", [])
        out = []
        for r in ranking[:limit]:
            unit = self.by_key.get(r["intent_response_key"])
            if unit is not None:
                out.append(Ranked(unit, float(r["confidence"]), float(r["confidence"])))
        return out


def main(argv=None) -> int:
    from bot.knowledge import answer_units
    from bot.knowledge.validation import read_knowledge

    folder = Path((argv or sys.argv[1:] or ["/tmp/boussole-response-selector"])[0])
    root = Path(__file__).resolve().parents[1]
    units = answer_units.build(read_knowledge(root / "knowledge").records)
    write_data(units, folder)
    print(f"entraînement : {train(folder):.0f} s ({folder / 'model.tar.gz'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
