"""The quality gate of the French NLU: `rasa test nlu` on the held-out set, written
independently of the training data, must reach intent macro-F1 ≥ 0.90 and entity F1
≥ 0.85 (micro average over entity labels). Reports stay under results/nlu/."""

from __future__ import annotations

import json
import shutil
import subprocess

from tests.integration.conftest import ROOT, VENV_BIN, base_env

MIN_INTENT_MACRO_F1 = 0.90
MIN_ENTITY_F1 = 0.85


def test_heldout_scores_reach_the_gate(model_path):
    out = ROOT / "results" / "nlu"
    shutil.rmtree(out, ignore_errors=True)
    result = subprocess.run(
        [
            str(VENV_BIN / "rasa"),
            "test",
            "nlu",
            "--model",
            str(model_path),
            "--nlu",
            str(ROOT / "tests" / "nlu" / "heldout.yml"),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=base_env(),
        capture_output=True,
        text=True,
        timeout=840,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    intents = json.loads((out / "intent_report.json").read_text(encoding="utf-8"))
    entities = json.loads((out / "DIETClassifier_report.json").read_text(encoding="utf-8"))
    macro, entity_f1 = intents["macro avg"]["f1-score"], entities["micro avg"]["f1-score"]
    weakest = sorted(
        (v["f1-score"], k)
        for k, v in intents.items()
        if isinstance(v, dict) and "support" in v and k not in ("macro avg", "weighted avg", "micro avg")
    )[:5]
    summary = (
        f"F1 macro des intentions {macro:.3f} (seuil {MIN_INTENT_MACRO_F1}), F1 des entités "
        f"{entity_f1:.3f} (seuil {MIN_ENTITY_F1}) ; intentions les plus faibles : "
        + ", ".join(f"{name} {score:.2f}" for score, name in weakest)
    )
    print(summary)
    assert macro >= MIN_INTENT_MACRO_F1 and entity_f1 >= MIN_ENTITY_F1, summary
