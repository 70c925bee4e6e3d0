"""Turns what users write about their company into numbers: « une vingtaine » → 20,
« 3 M€ » → 3 000 000, « créée en 2019 » → an age in months, « le deuxième » → 2.

Every parser returns None when it cannot decide: the bot then asks rather than guesses.
"""

from __future__ import annotations

import datetime as dt
import re

from bot.core.text import fold

NUMBER_WORDS = {
    "zero": 0,
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "six": 6,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
    "onze": 11,
    "douze": 12,
    "treize": 13,
    "quatorze": 14,
    "quinze": 15,
    "seize": 16,
    "vingt": 20,
    "trente": 30,
    "quarante": 40,
    "cinquante": 50,
    "soixante": 60,
    "cent": 100,
    "mille": 1000,
}
# « une vingtaine » means about twenty: the round number is the best estimate we have.
APPROXIMATE_WORDS = {
    "dizaine": 10,
    "douzaine": 12,
    "quinzaine": 15,
    "vingtaine": 20,
    "trentaine": 30,
    "quarantaine": 40,
    "cinquantaine": 50,
    "soixantaine": 60,
    "centaine": 100,
    "millier": 1000,
}
ORDINALS = {
    "premier": 1,
    "premiere": 1,
    "1er": 1,
    "1ere": 1,
    "1re": 1,
    "deuxieme": 2,
    "second": 2,
    "seconde": 2,
    "2e": 2,
    "2eme": 2,
    "2nd": 2,
    "2nde": 2,
    "troisieme": 3,
    "3e": 3,
    "3eme": 3,
    "quatrieme": 4,
    "4e": 4,
    "4eme": 4,
    "cinquieme": 5,
    "5e": 5,
    "5eme": 5,
    "first": 1,
    "second choice": 2,
    "third": 3,
}
LAST_WORDS = {"dernier", "derniere", "last"}

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_MULTIPLIERS = (
    (re.compile(r"\b(milliards?|mds?|md€|mrd)\b"), 1_000_000_000),
    (re.compile(r"\b(millions?|m€|m|meur|mio)\b|\d\s*m€?\b"), 1_000_000),
    (re.compile(r"\b(milliers?|mille|k€|k|keur)\b|\d\s*k€?\b"), 1_000),
)


def _number(text: str) -> float | None:
    """The first number in `text`, in digits (« 2,5 », « 450 000 ») or in words."""
    folded = fold(text)
    compact = re.sub(r"(?<=\d)[\s\u202f\u00a0.](?=\d{3}\b)", "", folded)
    match = _NUMBER.search(compact)
    if match:
        return float(match.group().replace(",", "."))
    for word in re.findall(r"[a-z]+", folded):
        if word in APPROXIMATE_WORDS:
            return float(APPROXIMATE_WORDS[word])
    total, seen = 0, False
    for word in re.findall(r"[a-z]+", folded.replace("-", " ")):
        if word in NUMBER_WORDS:
            value = NUMBER_WORDS[word]
            total = total * value if value in (100, 1000) and total else total + value
            seen = True
    return float(total) if seen else None


def parse_headcount(text: str | None) -> int | None:
    """Number of employees: « 25 », « une vingtaine », « douze » → 25, 20, 12."""
    if not text:
        return None
    value = _number(text)
    if value is None or value < 0 or value > 1_000_000:
        return None
    return int(round(value))


def parse_revenue(text: str | None) -> int | None:
    """Revenue in euros: « 3 M€ », « 3 millions », « 800k », « 1,5 million », « 450 000 € »."""
    if not text:
        return None
    folded = fold(text)
    value = _number(folded)
    if value is None:
        return None
    if "million et demi" in folded or "millions et demi" in folded:
        value += 0.5
    for pattern, factor in _MULTIPLIERS:
        if pattern.search(folded):
            return int(round(value * factor))
    return int(round(value))


_MONTH_NAMES = (
    "janvier",
    "fevrier",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "aout",
    "septembre",
    "octobre",
    "novembre",
    "decembre",
)
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
# « mars 2024 », « 03/2024 »: a month written just before the year of creation.
_MONTH_YEAR = re.compile(rf"\b(?:({'|'.join(_MONTH_NAMES)})|(0?[1-9]|1[0-2])\s?[/.-])\s?(?:19|20)\d\d\b")


def _founded(folded: str) -> tuple:
    """(year, month or None) of creation written in `folded`, or (None, None)."""
    year = _YEAR.search(folded)
    if not year:
        return None, None
    month = _MONTH_YEAR.search(folded)
    if not month:
        return int(year.group(1)), None
    number = _MONTH_NAMES.index(month.group(1)) + 1 if month.group(1) else int(month.group(2))
    return int(year.group(1)), number


def parse_company_age_months(text: str | None, today: dt.date | None = None) -> int | None:
    """Age in months: « 8 mois » → 8, « 3 ans » → 36, « mars 2024 » → months since March 2024,
    « 2019 » → months since mid-2019 (see `founding_year`), « un an et demi » → 18."""
    if not text:
        return None
    today = today or dt.date.today()
    folded = fold(text)
    founded, month = _founded(folded)
    if founded is not None:
        if (founded, month or 1) > (today.year, today.month):
            return None
        # Only the year is known: count from its middle rather than pretend to know the month.
        return max(0, (today.year - founded) * 12 + today.month - (month or 7))
    value = _number(folded)
    if value is None:
        return None
    if "et demi" in folded:
        value += 0.5
    if re.search(r"\b(ans?|annees?)\b", folded):
        return int(round(value * 12))
    if re.search(r"\bmois\b", folded):
        return int(round(value))
    if re.search(r"\bsemaines?\b", folded):
        return int(value // 4)
    return None


def with_its_month(text: str, value: str) -> str:
    """The company's age as the extractor kept it, with the month `text` writes just before
    it when the extractor kept the year alone: « 2024 » in « créée en mars 2024 » → « mars
    2024 »."""
    year = (value or "").strip()
    if not re.fullmatch(r"(?:19|20)\d\d", year):
        return value
    found = re.search(rf"\b({'|'.join(_MONTH_NAMES)})\s+{year}\b", fold(text or ""))
    return f"{found.group(1)} {year}" if found else value


def founding_year(text: str | None) -> int | None:
    """The year of creation when it is all `text` says of the company's age (« créée en 2024 »,
    « depuis 1987 »); None when a month comes with it (« créée en mars 2024 ») or no year does."""
    founded, month = _founded(fold(text or ""))
    return founded if month is None else None


def age_span(year: int, today: dt.date | None = None) -> tuple:
    """(fewest, most) months a company created in `year` may have today, by the month of its
    creation, which the user did not say: from December to January of that year."""
    today = today or dt.date.today()
    months = (today.year - year) * 12 + today.month
    return max(0, months - 12), max(0, months - 1)


def company_age_slot(text: str | None, today: dt.date | None = None) -> str | None:
    """The value the company_age slot keeps: the year alone when only the year is known, so that
    each read works the age out from it again, with its uncertainty; else the age in months."""
    months = parse_company_age_months(text, today)
    if months is None:
        return None
    year = founding_year(text)
    return str(year) if year else f"{months} mois"


def parse_rank(text: str | None, count: int | None = None) -> int | None:
    """1-based position in a list: « le deuxième » → 2, « 3 » → 3, « le dernier » → count."""
    if not text:
        return None
    folded = fold(text)
    for word in re.findall(r"[a-z0-9]+", folded):
        if word in LAST_WORDS:
            return count
        if word in ORDINALS:
            return ORDINALS[word]
    match = re.search(r"\d+", folded)
    if match:
        return int(match.group())
    value = _number(folded)
    return int(value) if value else None


def format_euros(amount: int) -> str:
    """« 3 000 000 € », with the French thin spaces replaced by plain ones for every channel."""
    return f"{amount:,}".replace(",", " ") + " €"


def format_age(months: int) -> str:
    if months < 12:
        return f"{months} mois"
    years, rest = divmod(months, 12)
    text = f"{years} an" + ("s" if years > 1 else "")
    return text + (f" et {rest} mois" if rest else "")


def format_year_age(year: int, span: tuple) -> str:
    """An age known from its year alone, no more precise than that: « environ 2 ans (créée en
    2024) », « moins d'un an (créée en 2026) », never « 2 ans et 5 mois »."""
    least, most = span
    if most < 12:
        about = "moins d'un an"
    elif most < 24:
        about = "entre 1 et 2 ans" if least >= 12 else "moins de 2 ans"
    else:
        years = round((least + most) / 24)
        about = f"environ {years} an{'s' if years > 1 else ''}"
    return f"{about} (créée en {year})"


# Answers that decline a question (« passer », « je ne sais pas »): the form moves on.
SKIP_ANSWERS = {
    "passer",
    "passe",
    "je passe",
    "je ne sais pas",
    "je sais pas",
    "jsp",
    "sais pas",
    "aucune idee",
    "je prefere ne pas le dire",
    "je prefere pas",
    "pas de reponse",
    "non",
    "non merci",
    "skip",
    "peu importe",
    "ne sais pas",
    "on verra",
}


def is_skip(text: str | None) -> bool:
    return " ".join(re.findall(r"[a-z]+", fold(text or ""))) in SKIP_ANSWERS
