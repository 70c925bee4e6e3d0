"""Generates the NLU synonyms and lookup tables from knowledge/.

Names and aliases are written once, in knowledge/; Rasa gets them through these generated
files. Rasa's synonym mapper compares lower-cased text only (not accents), so each label
is also listed without accents.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.core.text import fold
from bot.knowledge.validation import Dataset, nlu_labels
from bot.tools import form_rules

HEADER = "# Généré par « python -m bot nlu generate » depuis knowledge/ : ne pas modifier à la main.\n"

# Knowledge kind → NLU entity, in priority order when one text names two kinds.
ENTITIES = {
    "programme": "programme",
    "cluster": "cluster",
    "obstacle": "obstacle",
    "organisation": "organisation",
    "region": "region",
    "country": "country",
    "sector": "sector",
}
# Départements live inside the Région records; their entity maps a name to its code.
DEPARTEMENT_ENTITY = "departement"


def _variants(label: str) -> list:
    out = []
    for text in (label, fold(label), fold(label).replace("'", "’"), fold(label).replace("-", " ")):
        if text and text.lower() not in [o.lower() for o in out]:
            out.append(text)
    return out


def _yaml_block(items: list) -> str:
    return "".join(f"    - {item}\n" for item in items)


def _entity_file(entries: list, entity: str, claimed: dict) -> str:
    """entries: (canonical value, [labels]) → synonyms plus one lookup table."""
    synonyms = []
    lookup = []
    for value, names in entries:
        examples = []
        for label in names:
            for text in _variants(label):
                owner = claimed.setdefault(text.lower(), (entity, value))
                if owner != (entity, value):
                    continue
                if text.lower() not in [e.lower() for e in examples]:
                    examples.append(text)
        lookup.extend(examples)
        examples = [e for e in examples if e.lower() != value.lower()]
        if examples:
            synonyms.append(f'- synonym: "{value}"\n  examples: |\n{_yaml_block(examples)}')
    body = "".join(synonyms)
    body += f"- lookup: {entity}\n  examples: |\n{_yaml_block(sorted(set(lookup), key=str.lower))}"
    return HEADER + 'version: "3.1"\nnlu:\n' + body


def render(dataset: Dataset) -> dict:
    """File name → content, for every generated file."""
    files = {}
    claimed = {}  # lower-cased text → (entity, value): Rasa's synonym table is global.
    for kind, entity in ENTITIES.items():
        entries = [(rid, nlu_labels(kind, record)) for rid, record in sorted(dataset.records[kind].items())]
        files[f"data/nlu/lookups/{entity}.yml"] = _entity_file(entries, entity, claimed)
    departements = sorted(
        (d["code"], [d["name"], d["code"]])
        for region in dataset.records["region"].values()
        for d in region["departements"]
    )
    files[f"data/nlu/lookups/{DEPARTEMENT_ENTITY}.yml"] = _entity_file(departements, DEPARTEMENT_ENTITY, claimed)
    files[form_rules.PATH] = form_rules.render()
    for content in files.values():
        yaml.safe_load(content)  # a label with YAML-special characters must not break training
    return files


def write(dataset: Dataset, root: Path) -> list:
    written = []
    for name, content in render(dataset).items():
        path = Path(root) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8")
            written.append(name)
    return written


def stale_files(dataset: Dataset, root: Path) -> list:
    stale = []
    for name, content in render(dataset).items():
        path = Path(root) / name
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            stale.append(name)
    return stale
