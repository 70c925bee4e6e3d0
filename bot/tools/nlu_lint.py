"""Checks the entity annotations of NLU example files against the knowledge base.

Entity F1 is only meaningful if every file annotates the same way: each annotated value
must name a known record, and a known name left unannotated is reported, because the
held-out set and the training data must agree on what counts as a mention.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.knowledge.snapshot import KnowledgeBase

ANNOTATION = re.compile(r"\[([^\]]+)\]\((\w+)\)|\[([^\]]+)\]\{[^}]*\"entity\":\s*\"(\w+)\"[^}]*\}")
KB_ENTITIES = ("programme", "cluster", "obstacle", "organisation", "region", "country", "sector")
# Aliases that are mostly ordinary words (« une PME française », « l'assurance-crédit »):
# annotated only when they plainly name the entity, so a miss on them is not reported.
GENERIC_ALIASES = {
    "country": {"france", "francais", "francaise", "hexagone", "us", "eau"},
    "sector": {
        "assurance",
        "banque",
        "mer",
        "auto",
        "alimentation",
        "construction",
        "environnement",
        "energie",
        "conseil",
        "services",
        "industrie",
        "commerce",
        "finance",
        "transport",
        "logistique",
        "numerique",
        "sante",
        "mode",
        "luxe",
        "tourisme",
        "sport",
        "culture",
        "education",
        "formation",
        "eau",
        "bois",
        "papier",
        "train",
        "rail",
        "agri",
        "agro",
        "it",
        "ia",
        "intelligence artificielle",
        # Products and trades named as everyday things (« un gâteau au chocolat », « lune de miel »,
        # « un hôtel pas cher ») or as a client's trade (« des composites pour les bateaux »).
        "chocolat",
        "cafe",
        "miel",
        "fromage",
        "biscuits",
        "laine",
        "musique",
        "cinema",
        "appli",
        "restaurant",
        "hotel",
        "hotels",
        "boulangerie",
        "jus de fruits",
        "produits laitiers",
        "mobilier",
        "bateaux",
        "capteurs",
        "robots",
        "remorques",
        "peintures",
        "huitres",
        "maraichage",
        "charpente",
        "pieces mecaniques",
        "machines outils",
    },
    "cluster": {"tes", "safe", "enter"},
    "organisation": {"sie"},
    "region": {"na", "aura", "reunion"},
    "programme": {"gps"},
    "obstacle": {
        "financer",
        "marque",
        "langue",
        "culture",
        "salon",
        "foire",
        "concurrence",
        "traduire",
        "recruter",
        "embaucher",
        "tresorerie",
        "aides a l export",
    },
}


@dataclass(frozen=True)
class Finding:
    path: str
    intent: str
    example: str
    problem: str

    def __str__(self) -> str:
        return f"{self.path} [{self.intent}] « {self.example} » : {self.problem}"


def examples(path: Path):
    """(intent, example) for every example of an NLU file."""
    for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []) or []:
        if "intent" in block:
            for line in block["examples"].splitlines():
                if line.strip().startswith("- "):
                    yield block["intent"], line.strip()[2:]


def plain_text(example: str) -> str:
    return spans(example)[0]


def spans(example: str):
    """(text without the annotation marks, [(start, end, entity)] of each annotated span)."""
    plain, found, position = "", [], 0
    for match in ANNOTATION.finditer(example):
        plain += example[position : match.start()]
        start = len(plain)
        plain += match.group(1) or match.group(3)
        found.append((start, len(plain), match.group(2) or match.group(4)))
        position = match.end()
    return plain + example[position:], found


def annotations(example: str) -> list:
    return [(m.group(1) or m.group(3), m.group(2) or m.group(4)) for m in ANNOTATION.finditer(example)]


def lint_example(kb: KnowledgeBase, example: str) -> list:
    """French descriptions of what is wrong with one example's annotations."""
    problems = []
    for value, entity in annotations(example):
        if entity in KB_ENTITIES:
            rid = kb.fuzzy_resolve(entity, value)
            if rid is None:
                problems.append(f"« {value} » n'est pas un nom connu de {entity}")
        elif entity == "departement" and kb.resolve_departement(value) is None:
            problems.append(f"« {value} » n'est pas un département")
    # What is inside an annotation is settled: « Business France » holds no country.
    rest = ANNOTATION.sub(" | ", example)
    for entity in KB_ENTITIES:
        reported = set()
        for rid, phrase in kb.mention_phrases(entity, rest, nlu_only=True):
            if rid in reported or phrase in GENERIC_ALIASES.get(entity, ()):
                continue
            reported.add(rid)
            problems.append(f"« {phrase} » ({entity} {rid}) n'est pas annoté")
    return problems


def lint_files(kb: KnowledgeBase, paths) -> list:
    findings = []
    for path in paths:
        for intent, example in examples(Path(path)):
            for problem in lint_example(kb, example):
                findings.append(Finding(str(path), intent, example, problem))
    return findings
