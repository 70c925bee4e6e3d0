"""Checks of an answer against the knowledge base, for the tables of conversations of the
integration tests: each check is called with (kb, the reply's text, the previous reply's
messages) and has a `label` for the test's id."""

from __future__ import annotations

import json


def _mark(kind, item) -> str:
    """What shows that a reply is about the record: its name, or for a FAQ entry the opening
    of its answer (a FAQ reply gives the answer first, without repeating the question)."""
    return item["answer"][:60] if kind == "faq" else item["name"]


def record(kind, rid):
    """The reply names the record (a FAQ entry: gives its answer) and cites its first source."""

    def check(kb, text, previous):
        item = kb.get(kind, rid)
        assert item is not None, f"{kind} {rid} absent de knowledge/"
        assert _mark(kind, item) in text, f"{kind} {rid} attendu"
        assert item["sources"][0]["url"] in text, f"source de {kind} {rid} attendue"

    check.label = f"{kind}:{rid}"
    return check


def topic(oid):
    """The reply is the obstacle's advice, or a FAQ answer filed under that obstacle: both
    show their record and cite its source."""

    def check(kb, text, previous):
        candidates = [("obstacle", oid)] + [("faq", f["id"]) for f in kb.all("faq") if oid in f.get("obstacles", [])]
        for kind, rid in candidates:
            item = kb.get(kind, rid)
            if _mark(kind, item) in text and item["sources"][0]["url"] in text:
                return
        raise AssertionError(f"ni l'obstacle {oid} ni une question de la FAQ qui s'y rattache")

    check.label = f"topic:{oid}"
    return check


def field(kind, rid, name, index=0):
    """The reply states a given field of a record (an eligibility criterion, an amount…)."""

    def check(kb, text, previous):
        value = kb.get(kind, rid)[name]
        value = value[index] if isinstance(value, list) else value
        value = value["label"] if isinstance(value, dict) else value
        assert value in text, f"{kind} {rid} : {name} attendu"

    check.label = f"{kind}:{rid}:{name}"
    return check


def says(*fragments):
    """Words the reply must contain, whatever their case."""

    def check(kb, text, previous):
        for fragment in fragments:
            assert fragment.lower() in text.lower(), f"« {fragment} » attendu"

    check.label = "/".join(fragments)
    return check


def second_button_of_previous_reply(kb, text, previous):
    """« le deuxième » answers the second button the bot showed just before."""
    buttons = [b for m in previous for b in m.get("buttons", [])]
    assert len(buttons) >= 2, "la réponse précédente devait proposer des choix"
    intent, _, raw = buttons[1]["payload"][1:].partition("{")
    kind, rid = next(iter(json.loads("{" + raw).items()))
    record(kind, rid)(kb, text, previous)


second_button_of_previous_reply.label = "2e bouton"
