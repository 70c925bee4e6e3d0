"""The rules that let a question interrupt a form: the question is answered, then the form
asks its own question again. Rasa needs one rule per form and per intent; they are
generated (`python -m bot nlu generate`) from the forms below and the table of intents
(bot/core/intent_table.py) rather than written by hand, so that a new intent or a new form
cannot be forgotten in one of them."""

from __future__ import annotations

from bot.core import intent_table

FORMS = ("adviser_form", "profile_form", "handover_form")

# Intent → the action that answers it anywhere in the conversation: the table of intents.
ANSWERS = tuple((row.intent, row.action) for row in intent_table.ROWS)

HEADER = "# Généré par « python -m bot nlu generate » (bot/tools/form_rules.py) : ne pas modifier à la main.\n"
PATH = "data/rules/form_interruptions.yml"


def render() -> str:
    lines = [HEADER, 'version: "3.1"', "rules:"]
    for form in FORMS:
        for intent, action in ANSWERS:
            lines += [
                f"  - rule: question pendant {form} ({intent})",
                "    condition:",
                f"      - active_loop: {form}",
                "    steps:",
                f"      - intent: {intent}",
                f"      - action: {action}",
                f"      - action: {form}",
                f"      - active_loop: {form}",
            ]
    return "\n".join(lines) + "\n"
