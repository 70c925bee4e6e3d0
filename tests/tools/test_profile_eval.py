"""The offline profile measure (bot/tools/profile_eval.py): facts read by the action server's
reading code, scored field by field against labelled profiles."""

from __future__ import annotations

import pytest

from bot.tools import profile_eval


def test_each_field_is_scored_apart_and_all_fields_together():
    pairs = [
        ({"headcount": "40", "region": "pays-de-la-loire", "served": ["be"], "target": ["ma", "es"]},
         {"headcount": 40, "region": "pays-de-la-loire", "served": ["be"], "target": ["ma"]}),
        ({"sector": "numerique", "country": "jp"}, {"sector": "numerique", "served": ["de"], "target": ["jp"]}),
    ]  # fmt: skip
    table = profile_eval.score_fields(pairs)
    assert table["target"] == {"tp": 2, "read": 3, "expected": 2, "precision": 0.667, "recall": 1.0, "f1": 0.8}
    assert (table["served"]["tp"], table["served"]["read"], table["served"]["expected"]) == (1, 1, 2)
    assert table["headcount"]["f1"] == table["sector"]["f1"] == 1.0
    # All fields: 6 facts in common out of 7 read and 7 expected.
    assert (table["all"]["tp"], table["all"]["read"], table["all"]["expected"]) == (6, 7, 7)
    assert table["all"]["f1"] == 0.857


def test_a_field_nobody_labelled_has_no_f1():
    assert profile_eval.score_fields([({"target": ["jp"]}, {})])["target"]["f1"] is None


def test_the_profile_read_is_the_one_the_bot_puts_beside_its_line(kb):
    text = "Nous sommes 40 à Angers. On vend déjà en Belgique, on vise le Maroc. Quelles aides ? Et le marquage ?"
    read = profile_eval.profile_read(kb, text)
    assert read["headcount"] == "40" and read["region"] == "pays-de-la-loire"
    assert read["served"] == ["be"] and read["target"] == ["ma"]
    assert profile_eval.profile_read(kb, "Comment obtenir un EORI ?") == {}


def test_the_stand_in_for_the_extractor_s_country_is_the_first_country_named(kb):
    text = "Un client ukrainien nous a écrit ; nous vendons en Belgique."
    assert profile_eval.first_country_label(kb, text) == {"country": "ukrainien"}
    assert profile_eval.first_country_label(kb, "Nous sommes 12 à Lyon.") == {}


def test_the_misses_of_the_held_out_half_are_never_shown():
    with pytest.raises(SystemExit):
        profile_eval.main(["--half", "heldout", "--misses"])


def test_a_compound_reply_is_read_with_the_units_it_answers(kb):
    text = "Nous sommes 40 à Angers, on vise le Maroc. Comment obtenir un numéro EORI ? Et le carnet ATA ?"
    reply = profile_eval.reply_read(kb, text)
    assert "faq:eori-obtenir" in reply.units and reply.profile["target"] == ["ma"]
    assert profile_eval.reply_read(kb, "Comment obtenir un numéro EORI ?").units == ()
