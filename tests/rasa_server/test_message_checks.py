"""The checks every channel applies before a message reaches the model."""

from __future__ import annotations

import pytest

from bot.rasa_server import message_checks as guard


@pytest.mark.parametrize("text", ["", "   ", "\n\t\n", "\x00\x01\x1b", "\u202e\u2066", None, 42, ["a"], {"a": 1}])
def test_empty_or_not_text_gets_the_empty_answer(text):
    assert guard.check_message(text) == guard.Checked(reply=guard.EMPTY)


def test_control_characters_and_bidi_overrides_are_removed_but_accents_and_rtl_text_kept():
    checked = guard.check_message("Exporter\x00 au\x1b[31m Japon\u202e ? 🇯🇵 مرحبا שלום")
    assert checked.text == "Exporter au [31m Japon ? 🇯🇵 مرحبا שלום"
    assert guard.check_message("e\u0301té").text == "été"


def test_a_button_payload_passes_unchanged():
    payload = '/ask_programme{"programme":"vie"}'
    assert guard.check_message(payload).text == payload


@pytest.mark.parametrize("length", [2001, 5000, 100_000, 1_000_000])
def test_an_oversized_message_is_answered_with_its_length_and_the_limit(length):
    reply = guard.check_message("a" * length).reply
    assert reply.startswith("Votre message est trop long (")
    assert f"{length:,}".replace(",", "\u202f") in reply and "2\u202f000 au plus" in reply


def test_the_limit_counts_the_cleaned_text():
    assert guard.check_message("a" * 2000).text == "a" * 2000
    assert guard.check_message("a" * 2000 + "\x00" * 500).text == "a" * 2000
    assert guard.check_message("a" * 1500 + " " * 1000 + "b").text == "a" * 1500 + " b"


@pytest.mark.parametrize(
    "sender, expected",
    [
        ("f3a9c2d4e5b6", "f3a9c2d4e5b6"),
        ("+33612345678", "+33612345678"),
        ("user@example.fr", "user@example.fr"),
        (123456789, "123456789"),
        ("", None),
        (None, None),
        (True, None),
        ({"a": 1}, None),
        ("a b", None),
        ("x" * 129, None),
        ("<script>", None),
        ("../../etc/passwd", None),
    ],
)
def test_senders(sender, expected):
    assert guard.check_sender(sender) == expected
