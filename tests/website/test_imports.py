"""The website process stays light: it serves pages and relays messages, it never splits
sentences or ranks answers, so it must not load what only the action server needs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_website_does_not_load_spacy():
    code = "import sys, bot.website.app; print(sorted(m for m in ('spacy', 'rasa', 'tensorflow') if m in sys.modules))"
    printed = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert printed.stdout.strip() == "[]"
