"""What users write about their company, turned into numbers (bot/quantities.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core import quantities

TODAY = dt.date(2026, 11, 27)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("25", 25),
        ("une vingtaine", 20),
        ("douze", 12),
        ("vingt-cinq", 25),
        ("1 200", 1200),
        ("une quinzaine de personnes", 15),
        ("150 salariés", 150),
        ("", None),
        ("beaucoup", None),
    ],
)
def test_headcount(text, expected):
    assert quantities.parse_headcount(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("3 M€", 3_000_000),
        ("3 millions", 3_000_000),
        ("800k", 800_000),
        ("800 K€", 800_000),
        ("1,5 million d'euros", 1_500_000),
        ("450 000 €", 450_000),
        ("2,3 M", 2_300_000),
        ("un million et demi", 1_500_000),
        ("12M", 12_000_000),
        ("5 mds", 5_000_000_000),
        ("pas mal", None),
    ],
)
def test_revenue(text, expected):
    assert quantities.parse_revenue(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("8 mois", 8),
        ("11 mois", 11),
        ("12 mois", 12),
        ("3 ans", 36),
        ("un an et demi", 18),
        ("deux ans", 24),
        ("2026", 4),
        ("2019", 88),
        ("2031", None),
        ("longtemps", None),
    ],
)
def test_company_age(text, expected):
    assert quantities.parse_company_age_months(text, TODAY) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("le deuxième", 2),
        ("2", 2),
        ("la 1ère", 1),
        ("3e", 3),
        ("trois", 3),
        ("le dernier", 5),
        ("bof", None),
    ],
)
def test_rank(text, expected):
    assert quantities.parse_rank(text, count=5) == expected


def test_formatting():
    assert quantities.format_euros(3_000_000) == "3 000 000 €"
    assert quantities.format_age(8) == "8 mois" and quantities.format_age(30) == "2 ans et 6 mois"
