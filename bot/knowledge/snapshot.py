"""A read-only, in-memory view of the knowledge base, for the per-message path.

The action server builds it once from the database at start-up; after that, no query
touches the database, so no lookup can block the event loop.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import functools
import math
import re
from dataclasses import dataclass

from bot.core.text import COMPANY_NOUNS, key, words
from bot.knowledge.editorial import Editorial
from bot.knowledge.validation import KINDS, nlu_labels
from bot.knowledge.validation import labels as record_labels
from bot.knowledge.validity import GONE, effective_status

# Words that carry no meaning for search (« comment obtenir l'assurance pour exporter ? »).
STOP_WORDS = set(
    "a au aux avec c ce ces cet cette comment d dans de des du elle en est et etc il j je l la le les leur "
    "ma mais me mes moi mon n ne nos notre nous on ou où par pas pour qu que quel quelle quelles quels qui "
    "s sa se ses si son sont sur t ta te tes toi ton tu un une vos votre vous y c'est quoi ca ça est-ce "
    "exporter export exportation international internationale gerer gere faire fait fonctionne "
    "fonctionnement marche trouver peur complique compliquee probleme problemes besoin savoir faut peut "
    "peux puis dois doit avoir etre quels quelle quelles pourquoi quand combien cela ceci svp merci "
    "bonjour aide aides".split()
)


# « dans le 69 », « du 33 »; not « PME de 25 salariés » nor « de 12 mois ».
_DEPARTEMENT_NUMBER = re.compile(
    r" (?:le|du|de|en|au|departement) (\d{2,3}|2a|2b) "
    r"(?!(?:salaries?|personnes?|employes?|collaborateurs?|etp|ans?|annees?|mois|semaines?|jours?|k|m|"
    r"ke?ur|me?ur|euros?|millions?|milliers?|pour|pourcents?|%|metres?|m|m2|km|hectares?|ha|tonnes?|t|kg|kilos?|"
    r"litres?|bouteilles?|pieces?|unites?|exemplaires?|produits?|references?|magasins?|boutiques?|clients?|pays|"
    r"fois|heures?)\b)"
)


# City names that are also ordinary words (« des vannes », « plusieurs tours », « un maçon »):
# found in a sentence only after a word that introduces a place (« à Tours », « près de Vannes »).
_CITY_WORDS = {
    "tours", "vannes", "moulins", "grasse", "macon", "tulle", "cannes", "colombes", "pantin", "cayenne", "sens",
    "saintes", "orange", "menton", "muret", "vitre", "fougeres", "lourdes", "loches", "pertuis", "ales",
    "la fleche", "le gosier", "la trinite",
}  # fmt: skip
# Areas whose name is also a wine, a spirit or a brand (« du cognac », « un médoc »): found
# only after a word that places (« dans le Beaujolais », « à Cognac », « en Médoc »).
_AREA_WORDS = {"beaujolais", "bordelais", "medoc", "cognac", "artois"}
# The words a company is placed with (« une société du Nord », « notre usine de l'Ain »,
# « installée en Médoc »): the nouns it names itself with, its premises, the verbs that place it.
_PLACED_BY = (
    COMPANY_NOUNS + r"|usine|atelier|groupe|domaine|exploitation|maison|cooperative|ferme|industriel|agence|site|siege|"
    r"implantee?s?|installee?s?|basee?s?|situee?s?"
)
_PLACE_BEFORE = re.compile(r" (?:a|au|vers|(?:pres|aupres|autour|region|cote|ville|agglomeration) de?) $")
_AREA_BEFORE = re.compile(rf" (?:en|dans (?:le|la|l)|(?:{_PLACED_BY}) (?:du|de l|de la|en)) $")


@dataclass(frozen=True)
class Hit:
    kind: str
    id: str
    name: str
    score: float


class KnowledgeBase:
    def __init__(self, records: dict, today: dt.date | None = None, editorial: Editorial | None = None):
        # `today` frozen for tests; None means the real date at each answer (a server runs
        # for days: a validity date must take effect without a restart).
        self._today = today
        # The featured lists and the overviews' groups (knowledge/editorial.yml).
        self.editorial = editorial or Editorial()
        self.records = {kind: dict(records.get(kind, {})) for kind in KINDS}
        self._by_key = {kind: {} for kind in KINDS}
        for kind in KINDS:
            for rid in self.records[kind]:
                for label in self.labels(kind, rid):
                    self._by_key[kind].setdefault(key(label), rid)
                self._by_key[kind].setdefault(key(rid), rid)
        # Each label as « word word », padded, for whole-word matching in `mentioned`.
        self._phrases = self._padded(self.labels)
        self._departements = {}
        self._departement_by_key = {}
        for rid, region in self.records["region"].items():
            for dep in region.get("departements", []):
                self._departements[dep["code"]] = {
                    "code": dep["code"],
                    "name": dep["name"],
                    "region": rid,
                    "phrase": f" {' '.join(words(dep['name']))} ",
                    "cities": list(dep.get("cities", [])),
                    "areas": list(dep.get("areas", [])),
                }
                self._departement_by_key[key(dep["name"])] = dep["code"]
                self._departement_by_key[key(dep["code"])] = dep["code"]
        # Cities come after names and numbers: « Paris » is the 75 either way, and a city never
        # takes a département's name away from it.
        for code, dep in self._departements.items():
            for city in dep["cities"] + dep["areas"]:
                self._departement_by_key.setdefault(key(city), code)
        # What `departements_in_text` looks for, longest first: département names of five
        # letters or more, city names of four or more (« Lyon », « Metz »).
        places = [(dep["phrase"], code) for code, dep in self._departements.items() if len(dep["phrase"]) >= 7]
        places += [
            (f" {' '.join(words(city))} ", code)
            for code, dep in self._departements.items()
            for city in dep["cities"] + dep["areas"]
            if len(key(city)) >= 4
        ]
        self._place_phrases = sorted(set(places), key=lambda item: (-len(item[0]), item[0]))
        # The short names (« Nord », « Lot », « Var »), found only where a sentence places
        # the company in them: « dans le Lot », « une société du Nord ».
        short = {dep["phrase"].strip(): code for code, dep in self._departements.items() if len(dep["phrase"]) < 7}
        names = "|".join(map(re.escape, short))
        # Not « dans le nord de l'Italie », « l'Amérique du Nord », « dans le Lot-et-Garonne ».
        self._short_departement = re.compile(
            rf" (?:dans (?:le|la|l)|(?:{_PLACED_BY}) (?:du|de l)) ({names}) (?!de |d |du |des |pas |et )"
        )
        self._short_departement_codes = short
        self._search_index = [
            (kind, rid, self._search_words(kind, record))
            for kind in KINDS
            for rid, record in self.records[kind].items()
        ]
        self._words_by_record = {(kind, rid): set(weights) for kind, rid, weights in self._search_index}
        self._name_phrase = {
            (kind, rid): " " + " ".join(words(self.name(kind, rid))) + " "
            for kind in KINDS
            for rid in self.records[kind]
        }
        self._document_frequency = {}
        for _, _, weights in self._search_index:
            for word in weights:
                self._document_frequency[word] = self._document_frequency.get(word, 0) + 1
        self._prefixes = {}
        for _, _, weights in self._search_index:
            for word in weights:
                if len(word) >= 5:
                    self._prefixes.setdefault(word[:5], set()).add(word)

    # --- access -----------------------------------------------------------------------
    def get(self, kind: str, rid: str):
        return self.records[kind].get(rid)

    def today(self) -> dt.date:
        return self._today or dt.date.today()

    def at(self, today: dt.date) -> KnowledgeBase:
        """The same knowledge base with the clock frozen at `today` (indices shared)."""
        frozen = copy.copy(self)
        frozen._today = today
        return frozen

    def status(self, kind: str, record) -> str:
        """The record's status today (« expired » past its `valid_until`): the one every
        answer shows and the finder uses. `record` is a record or its id."""
        if isinstance(record, str):
            record = self.get(kind, record)
        return effective_status(record, self.today())

    def gone(self, kind: str, record) -> bool:
        """Ended, or no longer confirmed: never offered as available."""
        return self.status(kind, record) in GONE

    def all(self, kind: str) -> list:
        return list(self.records[kind].values())

    def name(self, kind: str, rid: str) -> str:
        record = self.get(kind, rid)
        if record is None:
            return rid
        return record.get("question") if kind == "faq" else record["name"]

    def labels(self, kind: str, rid: str) -> list:
        return record_labels(kind, self.records[kind][rid])

    def counts(self) -> dict:
        return {kind: len(self.records[kind]) for kind in KINDS}

    # --- matching what users typed ----------------------------------------------------
    def resolve(self, kind: str, text: str):
        """The id of the record whose name, alias or id is `text` (accents, case and
        punctuation ignored), or None."""
        if not text:
            return None
        return self._by_key[kind].get(key(text))

    def fuzzy_resolve(self, kind: str, text: str, cutoff: float = 0.85):
        """`resolve`, tolerating a typo: the one record whose label is very close, else None."""
        exact = self.resolve(kind, text)
        if exact or not text or len(key(text)) < 6:
            return exact
        matches = difflib.get_close_matches(key(text), list(self._by_key[kind]), n=2, cutoff=cutoff)
        owners = {self._by_key[kind][m] for m in matches}
        return owners.pop() if len(owners) == 1 else None

    def closest(self, kind: str, text: str, limit: int = 3) -> list:
        """Ids of the records whose names or aliases look most like `text`."""
        wanted = key(text)
        if not wanted:
            return []
        scored = {}
        for label_key, rid in self._by_key[kind].items():
            ratio = difflib.SequenceMatcher(None, wanted, label_key).ratio()
            if wanted in label_key or label_key in wanted:
                ratio = max(ratio, 0.75)
            if ratio > scored.get(rid, 0):
                scored[rid] = ratio
        ranked = sorted(scored.items(), key=lambda item: (-item[1], item[0]))
        return [rid for rid, ratio in ranked if ratio >= 0.5][:limit]

    def named(self, kind: str, name, text: str = ""):
        """The record `name` names (a typo tolerated), else the longest one `text` mentions."""
        rid = self.fuzzy_resolve(kind, name) if name else None
        if rid is None:
            found = self.mentioned(kind, text or "")
            rid = found[0] if found else None
        return rid

    def mentioned(self, kind: str, text: str) -> list:
        """Ids of the records whose name or an alias appears, as whole words, in `text`;
        the longest mention first (« assurance prospection accompagnement » before
        « assurance prospection »)."""
        padded = " " + " ".join(words(text)) + " "
        found = {}
        for rid, phrase in self._phrases[kind]:
            if phrase in padded:
                found[rid] = max(found.get(rid, 0), len(phrase))
        return sorted(found, key=lambda rid: (-found[rid], rid))

    def foreign_countries(self, text: str) -> list:
        """The countries `text` names (mentioned), France left out: the company's home is no
        market and sets no country condition on an answer."""
        return [rid for rid in self.mentioned("country", text or "") if rid != "fr"]

    def _padded(self, labels_of) -> dict:
        """kind → (id, « word word » padded) of each label `labels_of(kind, id)` gives."""
        return {
            kind: [
                (rid, f" {' '.join(words(label))} ")
                for rid in self.records[kind]
                for label in labels_of(kind, rid)
                if words(label)
            ]
            for kind in KINDS
        }

    @functools.cached_property
    def _nlu_phrases(self) -> dict:
        # Only the NLU data's lint asks for them: not built when a server starts.
        return self._padded(lambda kind, rid: nlu_labels(kind, self.records[kind][rid]))

    @functools.cached_property
    def _country_adjectives(self) -> tuple:
        """(every folded form of a country's adjective, those that also name a country or a
        city: « suisse », « argentine »)."""
        adjectives, names = set(), set()
        for record in self.records["country"].values():
            forms = [record.get("adjective"), *(record.get("adjectives") or [])]
            adjectives.update(" ".join(words(form)) for form in forms if form)
            labels = [record["name"], *(record.get("aliases") or []), *(record.get("cities") or [])]
            names.update(" ".join(words(label)) for label in labels)
        return frozenset(adjectives), frozenset(adjectives & names)

    def country_adjective(self, phrase: str) -> str | None:
        """Whether a folded country phrase is a form of its adjective (« ukrainien »): "only",
        or "also" when it names the country too (« la Suisse », « un client suisse »); None
        for a name, an alias or a city."""
        adjectives, also_names = self._country_adjectives
        if phrase not in adjectives:
            return None
        return "also" if phrase in also_names else "only"

    def mention_phrases(self, kind: str, text: str, nlu_only: bool = False) -> list:
        """(id, folded phrase) of every name or alias that appears, as whole words, in `text`;
        with `nlu_only`, only the labels the NLU is trained on (no foreign city, no other
        form of an adjective)."""
        padded = " " + " ".join(words(text)) + " "
        phrases = self._nlu_phrases[kind] if nlu_only else self._phrases[kind]
        return [(rid, phrase.strip()) for rid, phrase in phrases if phrase in padded]

    # --- départements ----------------------------------------------------------------
    def departement(self, code: str):
        """{code, name, region, phrase} or None."""
        return self._departements.get(code)

    def resolve_departement(self, text: str):
        """The code of the département named or numbered by `text` (« Gironde », « 33 », « 2a »)."""
        if not text:
            return None
        wanted = key(text)
        if wanted.isdigit() and len(wanted) == 1:
            wanted = "0" + wanted
        return self._departement_by_key.get(wanted)

    def departements_in_text(self, text: str) -> list:
        """Codes of the départements a sentence names: a number after « le », « du », « dans
        le »… (« on est dans le 69 »), then names, longest first: a département name of five
        letters or more (short names such as « Nord » or « Lot » are ordinary words too) or a
        city of four letters or more (« on est à Lyon », « près de Saint-Étienne »). Words
        already taken by a longer name do not count again: « Seine-Saint-Denis » is not also
        Saint-Denis, « Loire-Atlantique » not also the Loire. A city whose name is an ordinary
        word (« Tours », « vannes ») counts only right after « à », « près de », « vers »…"""
        folded = " " + " ".join(words(text)) + " "
        found = []
        for match in _DEPARTEMENT_NUMBER.finditer(folded):
            code = self.resolve_departement(match.group(1))
            if code and code not in found:
                found.append(code)
        for match in self._short_departement.finditer(folded):
            code = self._short_departement_codes[match.group(1)]
            if code not in found:
                found.append(code)
        taken = []  # (start, end) of the words already matched
        for phrase, code in self._place_phrases:
            start = folded.find(phrase)
            while start >= 0:
                # The padding spaces are shared with the neighbours: compare the words only.
                span = (start + 1, start + len(phrase) - 1)
                free = all(span[1] <= a or span[0] >= b for a, b in taken)
                if free and self._placed(phrase.strip(), folded[: start + 1]):
                    taken.append(span)
                    if code not in found:
                        found.append(code)
                start = folded.find(phrase, start + 1)
        return found

    @staticmethod
    def _placed(name: str, before: str) -> bool:
        """Whether a place's name, found after `before`, names the place there: always, but
        for the names that are ordinary words, wines or brands too."""
        if name in _CITY_WORDS:
            return bool(_PLACE_BEFORE.search(before))
        if name in _AREA_WORDS:
            return bool(_AREA_BEFORE.search(before) or _PLACE_BEFORE.search(before))
        return True

    # --- free-text search -------------------------------------------------------------
    def _search_words(self, kind: str, record: dict) -> dict:
        """Word → weight: names and aliases count most, then summaries, then long texts."""
        weights = {}

        def add(text, weight):
            for word in words(text or ""):
                if word not in STOP_WORDS:
                    weights[word] = max(weights.get(word, 0), weight)

        for label in (
            [record.get("name") or record.get("question")] + record.get("aliases", []) + record.get("variants", [])
        ):
            add(label, 3.0)
        add(record.get("summary"), 1.5)
        for long_field in ("details", "answer", "international"):
            add(record.get(long_field), 1.0)
        for advice in record.get("advice", []):
            add(advice, 1.0)
        return weights

    def words_of(self, kind: str, rid: str) -> set:
        """The searchable words of one record (names, summary, long texts)."""
        return self._words_by_record[(kind, rid)]

    @staticmethod
    def query_words(text: str) -> list:
        """The words of `text` that search looks for (stop words removed), once each."""
        return list(dict.fromkeys(w for w in words(text) if w not in STOP_WORDS))

    def search(self, text: str, kinds=None, limit: int = 5) -> list:
        """Records ranked by how much of the query they cover, rare words counting more
        (« EORI » weighs more than « export »). A score of 3 means every query word was
        found in a name or an alias; a query that is exactly a name or an alias adds 3."""
        query = self.query_words(text)
        if not query:
            return []
        idf = {w: self._idf(w) for w in query}
        total = sum(idf.values())
        # The text folded once, not once per kind: `resolve` for every kind.
        folded = key(text)
        exact = {(kind, self._by_key[kind].get(folded)) for kind in KINDS}
        phrase = " ".join(query)
        hits = []
        for kind, rid, weights in self._search_index:
            if kinds and kind not in kinds:
                continue
            score = 0.0
            for word in query:
                if word in weights:
                    score += weights[word] * idf[word]
                elif len(word) >= 5:
                    # Plurals and small typos: « normes » finds « norme », « douanne » « douane ».
                    near = [
                        w for w in self._prefixes.get(word[:5], ()) if w in weights and abs(len(w) - len(word)) <= 2
                    ]
                    if near:
                        score += 0.8 * max(weights[w] for w in near) * idf[word]
            if score > 0:
                bonus = 3 if (kind, rid) in exact else 0
                if len(query) > 1 and phrase in self._name_phrase[(kind, rid)]:
                    bonus += 0.5
                hits.append(Hit(kind, rid, self.name(kind, rid), round(score / total + bonus, 3)))
        hits.sort(key=lambda h: (-h.score, h.kind, h.id))
        return hits[:limit]

    def _idf(self, word: str) -> float:
        """Inverse document frequency; unknown words weigh like the rarest ones."""
        count = self._document_frequency.get(word, 0)
        return math.log(1 + len(self._search_index) / (1 + count))
