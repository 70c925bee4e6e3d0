"""`python -m bot …` starts in a second: the knowledge base's commands never import Rasa,
TensorFlow or spaCy (importing them costs ~10 s of CPU before the first line is printed)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.config import settings

HEAVY = ("rasa", "rasa_sdk", "tensorflow", "spacy")
PROBE = f"""
import sys
from bot.cli import main
code = main(sys.argv[1:])
heavy = sorted({{name.split(".")[0] for name in sys.modules}} & set({HEAVY!r}))
print("importés :", heavy, file=sys.stderr)
sys.exit(3 if heavy else code)
"""


@pytest.mark.slow
def test_kb_check_imports_no_heavy_framework():
    result = subprocess.run(
        [sys.executable, "-c", PROBE, "kb", "check"],
        capture_output=True,
        text=True,
        cwd=settings.PROJECT_ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "knowledge/ est valide" in result.stdout
