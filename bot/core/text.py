"""Text normalisation shared by the knowledge base, the NLU generator and the actions.

Users type without accents, with typographic apostrophes, in capitals: every
comparison between what they wrote and a name in knowledge/ goes through `fold`.
"""

import re
import unicodedata

# The nouns a writer names the own company with (« PME de 25 salariés », « notre société du
# Nord »), as a regex alternation on folded text.
COMPANY_NOUNS = r"pme|tpe|eti|startup|start up|entreprise|societe|fabricant|editeur|cabinet"
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})
_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower case, no accents, apostrophes unified, one space between words."""
    text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.lower().split())


def unquoted(text: str) -> str:
    """Folded, apostrophes as spaces, for patterns written on whole words (« l'Inde » → « l inde »,
    « aujourd'hui » → « aujourd hui »)."""
    return fold(text or "").replace("'", " ")


def words(text: str) -> list:
    """The folded words of a text, punctuation removed (« V.I.E » → ['v', 'i', 'e'])."""
    return [w for w in _NON_WORD.split(fold(text)) if w]


def key(text: str) -> str:
    """A compact matching key: folded words joined without separators (« V.I.E » → 'vie')."""
    return "".join(words(text))
