"""The editorial choices of knowledge/editorial.yml: which records the assistant puts
forward when it must propose something (featured programmes, organisations, Régions,
countries…), how the overviews group them, and the abbreviations and synonyms users write
(`query_synonyms`, read by the answer ranker, bot/core/ranker.py).

They are data, not code, so that the people who edit knowledge/ can change them; the
validator checks that every id they name exists (`unknown_ids`), the store carries them to
the database with the records, and answers read them from the snapshot (`kb.editorial`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from pathlib import Path

import yaml

from bot.core.text import words

EDITORIAL_FILE = "editorial.yml"
EDITORIAL_KIND = "editorial"
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

# Each plain list of ids, and the kind of record its ids name.
ID_LISTS = {
    "featured_programmes": "programme",
    "featured_organisations": "organisation",
    "featured_regions": "region",
    "featured_countries": "country",
    "featured_obstacles": "obstacle",
    "featured_sectors": "sector",
    "country_obstacles": "obstacle",
    "need_choices": "obstacle",
}


class EditorialError(ValueError):
    """knowledge/editorial.yml is malformed: `problems` lists (list name, French message)."""

    def __init__(self, problems: list):
        self.problems = problems
        super().__init__("\n".join(f"{name} : {message}" if name else message for name, message in problems))


@dataclass(frozen=True)
class Editorial:
    """Tuples in the file's order; empty when knowledge/ has no editorial file (small test
    fixtures), so that every answer still works, without its suggestions."""

    featured_programmes: tuple = ()
    featured_organisations: tuple = ()
    featured_regions: tuple = ()
    featured_countries: tuple = ()
    featured_obstacles: tuple = ()
    featured_sectors: tuple = ()
    country_obstacles: tuple = ()
    need_choices: tuple = ()
    overview_needs: tuple = ()  # (obstacle id, label of the need)
    financing_groups: tuple = ()  # (title, programme ids)
    query_synonyms: tuple = ()  # (words, means): each of the words read as also meaning `means`

    def references(self):
        """(list name, kind, id) of every id named, in the file's order."""
        for name, kind in ID_LISTS.items():
            for rid in getattr(self, name):
                yield name, kind, rid
        for obstacle_id, _ in self.overview_needs:
            yield "overview_needs", "obstacle", obstacle_id
        for _, pids in self.financing_groups:
            for pid in pids:
                yield "financing_groups", "programme", pid

    def to_content(self) -> dict:
        """The lists as the YAML file writes them (what `parse` reads back)."""
        content = {name: list(getattr(self, name)) for name in ID_LISTS}
        content["overview_needs"] = [
            {"obstacle": obstacle_id, "label": label} for obstacle_id, label in self.overview_needs
        ]
        content["financing_groups"] = [
            {"title": title, "programmes": list(pids)} for title, pids in self.financing_groups
        ]
        content["query_synonyms"] = [{"means": means, "words": list(ws)} for ws, means in self.query_synonyms]
        return content


LIST_NAMES = tuple(f.name for f in fields(Editorial))
# Lists a file may leave out (a database loaded before they existed has none).
OPTIONAL_LISTS = ("query_synonyms",)


def _text(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _check_id(name: str, position: int, rid, problems: list) -> None:
    if not isinstance(rid, str) or not _ID.match(rid):
        problems.append(
            (
                name,
                f"élément {position} : identifiant mal écrit : {rid!r} "
                "(minuscules sans accents, mots séparés par « - »)",
            )
        )


def _ids(name: str, value, problems: list) -> tuple:
    if not isinstance(value, list):
        problems.append((name, "une liste d'identifiants est attendue"))
        return ()
    for position, rid in enumerate(value, start=1):
        _check_id(name, position, rid, problems)
    duplicates = sorted({rid for rid in value if isinstance(rid, str) and value.count(rid) > 1})
    if duplicates:
        problems.append((name, "identifiant répété : " + ", ".join(f"« {rid} »" for rid in duplicates)))
    return tuple(rid for rid in value if isinstance(rid, str))


def _entries(name: str, value, keys: tuple, problems: list) -> list:
    """The entries of a list of objects with exactly `keys`; a problem for each other one."""
    if not isinstance(value, list):
        problems.append((name, "une liste est attendue"))
        return []
    good = []
    for position, entry in enumerate(value, start=1):
        if not isinstance(entry, dict) or set(entry) != set(keys):
            problems.append((name, f"élément {position} : un objet {{{', '.join(keys)}}} est attendu"))
        else:
            good.append((position, entry))
    return good


def parse(content) -> Editorial:
    """The editorial lists of the YAML `content`; raises EditorialError listing every problem."""
    if not isinstance(content, dict) or content.get("kind") != EDITORIAL_KIND:
        raise EditorialError([("", f"le fichier doit commencer par « kind: {EDITORIAL_KIND} »")])
    problems = [(name, "liste inconnue (faute de frappe ?)") for name in sorted(set(content) - {"kind", *LIST_NAMES})]
    problems += [
        (name, "liste obligatoire manquante")
        for name in LIST_NAMES
        if name not in content and name not in OPTIONAL_LISTS
    ]
    values = {name: _ids(name, content[name], problems) for name in ID_LISTS if name in content}
    needs = []
    for position, entry in _entries(
        "overview_needs", content.get("overview_needs", []), ("obstacle", "label"), problems
    ):
        _check_id("overview_needs", position, entry["obstacle"], problems)
        if not _text(entry["label"]):
            problems.append(("overview_needs", f"élément {position} : le libellé (« label ») est obligatoire"))
        needs.append((entry["obstacle"], entry["label"]))
    groups = []
    for position, entry in _entries(
        "financing_groups", content.get("financing_groups", []), ("title", "programmes"), problems
    ):
        if not _text(entry["title"]):
            problems.append(("financing_groups", f"élément {position} : le titre (« title ») est obligatoire"))
        groups.append((entry["title"], _ids("financing_groups", entry["programmes"], problems)))
    synonyms = _synonyms(content.get("query_synonyms", []), problems)
    if problems:
        raise EditorialError(problems)
    return Editorial(overview_needs=tuple(needs), financing_groups=tuple(groups), query_synonyms=synonyms, **values)


def _synonyms(value, problems: list) -> tuple:
    """(words, means) of each entry of `query_synonyms`. `means` and each of `words` must have
    a word once folded; a wording given twice, or equal to its own meaning, is a problem."""
    name = "query_synonyms"
    out, seen = [], {}
    for position, entry in _entries(name, value, ("means", "words"), problems):
        means, wordings = entry["means"], entry["words"]
        if not _text(means) or not words(means):
            problems.append((name, f"élément {position} : le sens (« means ») est obligatoire"))
            means = ""
        if not isinstance(wordings, list) or not wordings:
            problems.append((name, f"élément {position} : une liste non vide de mots (« words ») est attendue"))
            continue
        for wording in wordings:
            if not _text(wording) or not words(wording):
                problems.append((name, f"élément {position} : mot vide : {wording!r}"))
                continue
            folded = tuple(words(wording))
            if folded == tuple(words(means)):
                problems.append((name, f"élément {position} : « {wording} » est le sens lui-même"))
            elif folded in seen:
                problems.append((name, f"élément {position} : « {wording} » est déjà à l'élément {seen[folded]}"))
            seen.setdefault(folded, position)
        out.append((tuple(w for w in wordings if isinstance(w, str)), means))
    return tuple(out)


def read_editorial(root: Path) -> Editorial:
    """The editorial lists of the knowledge folder `root`; empty ones when it has no
    editorial file. Raises EditorialError when the file is malformed."""
    path = Path(root) / EDITORIAL_FILE
    if not path.exists():
        return Editorial()
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise EditorialError([("", f"YAML illisible : {getattr(exc, 'problem', exc)}")]) from None
    return parse(content)


def unknown_ids(editorial: Editorial, records: dict) -> list:
    """(list name, kind, id) of every id that names no record of its kind in `records`
    (kind → id → record)."""
    return [(name, kind, rid) for name, kind, rid in editorial.references() if rid not in records.get(kind, {})]
