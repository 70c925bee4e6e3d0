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
        # A month with the year makes the age exact.
        ("créée en mars 2024", 32),
        ("depuis 03/2024", 32),
        ("en novembre 2026", 0),
        ("décembre 2026", None),
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


def test_a_year_alone_is_kept_as_a_year_with_the_span_of_its_months():
    assert quantities.founding_year("créée en 2024") == 2024 and quantities.founding_year("depuis 1987") == 1987
    # A month given, or no year, is no year alone.
    assert quantities.founding_year("créée en mars 2024") is None and quantities.founding_year("18 mois") is None
    # Created in December 2024 at the least, January 2024 at the most, seen on 27 November 2026.
    assert quantities.age_span(2024, TODAY) == (23, 34)
    assert quantities.age_span(2026, TODAY) == (0, 10)
    assert quantities.company_age_slot("créée en 2024", TODAY) == "2024"
    assert quantities.company_age_slot("créée en mars 2024", TODAY) == "32 mois"
    assert quantities.company_age_slot("18 mois", TODAY) == "18 mois"
    assert quantities.company_age_slot("longtemps", TODAY) is None


def test_an_age_known_by_its_year_is_said_no_more_precisely():
    def said(year):
        return quantities.format_year_age(year, quantities.age_span(year, TODAY))

    assert said(2024) == "environ 2 ans (créée en 2024)"
    assert said(1987) == "environ 39 ans (créée en 1987)"
    assert said(2026) == "moins d'un an (créée en 2026)"
    assert said(2025) == "moins de 2 ans (créée en 2025)"
    assert quantities.format_year_age(2025, (12, 23)) == "entre 1 et 2 ans (créée en 2025)"


def test_the_month_written_before_a_year_the_extractor_kept_alone_is_added_back():
    assert quantities.with_its_month("Nous avons été créés en mars 2024.", "2024") == "mars 2024"
    assert quantities.with_its_month("Créée en 2024, en mars nous exportions.", "2024") == "2024"
    assert quantities.with_its_month("créée en mars 2024", "2 ans") == "2 ans"
