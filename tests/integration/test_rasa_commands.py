"""Rasa's own checks: the training data is consistent, and the end-to-end test stories
pass against the trained model and the real action server."""

from __future__ import annotations

import subprocess

from tests.integration.conftest import ROOT, VENV_BIN, base_env


def run(args, timeout=900):
    return subprocess.run(args, cwd=ROOT, env=base_env(), capture_output=True, text=True, timeout=timeout)


def test_training_data_validates_without_warnings():
    result = run([str(VENV_BIN / "rasa"), "data", "validate", "--fail-on-warnings"])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_end_to_end_stories(model_path, endpoints_file, tmp_path):
    stories = sorted((ROOT / "tests" / "conversations").glob("*.yml"))
    assert len(stories) >= 1
    story_count = sum(path.read_text(encoding="utf-8").count("- story:") for path in stories)
    assert story_count >= 60
    result = run(
        [
            str(VENV_BIN / "rasa"),
            "test",
            "core",
            "--model",
            str(model_path),
            "--stories",
            str(ROOT / "tests" / "conversations"),
            "--endpoints",
            str(endpoints_file),
            "--fail-on-prediction-errors",
            "--out",
            str(tmp_path / "results"),
        ]
    )
    failed = tmp_path / "results" / "failed_test_stories.yml"
    detail = failed.read_text(encoding="utf-8") if failed.exists() else ""
    assert result.returncode == 0, detail[-4000:] + result.stdout[-2000:] + result.stderr[-2000:]
