"""Compares NLU pipelines on the held-out set (tests/nlu/heldout.yml): intent macro-F1,
entity F1, training time and peak memory. Writes bench/results/nlu_pipelines.json and
prints a Markdown table for docs/nlu.md.

Usage: .venv/bin/python bench/compare_pipelines.py [config …]   (default: all three)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RASA = str(Path(sys.executable).parent / "rasa")
CONFIGS = {
    "retenu (config.yml)": ROOT / "config.yml",
    "spacy": ROOT / "bench" / "configs" / "spacy.yml",
    "baseline": ROOT / "bench" / "configs" / "baseline.yml",
}
# Variants kept for the record (bench/configs/*.yml), compared on demand by name.
CONFIGS.update(
    {path.stem: path for path in sorted((ROOT / "bench" / "configs").glob("*.yml")) if path.stem not in CONFIGS}
)
ENV = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2")


def run_measured(args) -> tuple:
    """(wall seconds, peak RSS in MB of that command), measured in a fresh Python child so
    that each command's peak is its own."""
    probe = (
        "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
        "print('PEAK', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)"
    )
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-c", probe, *args], cwd=ROOT, env=ENV, capture_output=True, text=True)
    elapsed = time.monotonic() - start
    if result.returncode != 0:
        raise SystemExit(f"échec de {' '.join(args[:3])} :\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    peak_kb = int(result.stdout.rsplit("PEAK", 1)[1].split()[0])
    return elapsed, round(peak_kb / 1024)


def entity_f1(report: dict) -> float:
    """Micro-averaged F1 over the entity labels (no_entity excluded), the figure the gate
    in tests/integration/test_nlu_gate.py checks."""
    return round(report.get("micro avg", {}).get("f1-score", 0.0), 4)


def evaluate(name: str, config: Path, work: Path) -> dict:
    model_dir = work / "models"
    model_name = name.split()[0]
    print(f"== {name} : entraînement…", flush=True)
    train_s, train_mb = run_measured(
        [
            RASA,
            "train",
            "nlu",
            "--config",
            str(config),
            "--nlu",
            "data/nlu",
            "--out",
            str(model_dir),
            "--fixed-model-name",
            model_name,
        ]
    )
    print(f"   {train_s:.0f} s ; évaluation sur le jeu de test…", flush=True)
    out = work / f"results-{model_name}"
    run_measured(
        [
            RASA,
            "test",
            "nlu",
            "--nlu",
            "tests/nlu/heldout.yml",
            "--model",
            str(model_dir / f"{model_name}.tar.gz"),
            "--out",
            str(out),
            "--config",
            str(config),
        ]
    )
    intents = json.loads((out / "intent_report.json").read_text())
    entities = json.loads((out / "DIETClassifier_report.json").read_text())
    confused = sorted(
        ((k, c, n) for k, v in intents.items() if isinstance(v, dict) for c, n in v.get("confused_with", {}).items()),
        key=lambda t: -t[2],
    )[:10]
    return {
        "config": str(config.relative_to(ROOT)),
        "intent_macro_f1": round(intents["macro avg"]["f1-score"], 4),
        "intent_accuracy": round(intents.get("accuracy", 0), 4),
        "entity_f1": entity_f1(entities),
        "train_seconds": round(train_s),
        "train_peak_rss_mb": train_mb,
        "most_confused": [{"intent": a, "predicted": b, "count": n} for a, b, n in confused],
    }


def main(names) -> None:
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            results[name] = evaluate(name, CONFIGS[name], Path(tmp))
    out = ROOT / "bench" / "results" / "nlu_pipelines.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    # A run of some configurations keeps the figures of the others from earlier runs.
    earlier = json.loads(out.read_text()).get("results", {}) if out.exists() else {}
    for result in results.values():
        result["date"] = time.strftime("%Y-%m-%d")
    results = {**earlier, **results}
    payload = {"heldout": "tests/nlu/heldout.yml", "results": results}
    out.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    print("\n| pipeline | intent macro-F1 | entity F1 | entraînement NLU | pic mémoire |")
    print("|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['intent_macro_f1']:.3f} | {r['entity_f1']:.3f} | {r['train_seconds']} s "
            f"| {r['train_peak_rss_mb']} Mo |"
        )
    print(f"\nécrit : {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:] or list(CONFIGS))
