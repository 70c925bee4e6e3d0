"""The rules that let a question interrupt a form: the question is answered, then the form
asks its own question again. Rasa needs one rule per form and per intent; they are
generated from the tables below (`python -m bot nlu generate`) rather than written by hand,
so that a new intent or a new form cannot be forgotten in one of them."""

from __future__ import annotations

FORMS = ("adviser_form", "profile_form", "handover_form")

# Intent → the action that answers it anywhere in the conversation.
ANSWERS = (
    ("greet", "action_greet"),
    ("affirm", "utter_anything_else"),
    ("deny", "utter_anything_else"),
    ("thanks", "utter_you_are_welcome"),
    ("bot_challenge", "utter_iamabot"),
    ("how_are_you", "utter_how_are_you"),
    ("insult", "utter_insult"),
    ("other_language", "utter_other_language"),
    ("out_of_scope", "action_out_of_scope"),
    ("nonsense", "action_nonsense"),
    ("choose_item", "action_choose_item"),
    ("inform_company", "action_remember_company"),
    ("ask_programme", "action_programme_details"),
    ("ask_eligibility", "action_programme_eligibility"),
    ("ask_amount", "action_programme_amount"),
    ("ask_how_to_apply", "action_programme_how_to_apply"),
    ("ask_programme_status", "action_programme_status"),
    ("ask_contact", "action_contact"),
    ("ask_financing_overview", "action_financing_overview"),
    ("ask_support_overview", "action_support_overview"),
    ("ask_obstacle", "action_obstacle_advice"),
    ("ask_cluster", "action_cluster_info"),
    ("ask_organisation", "action_organisation_info"),
    ("ask_region_support", "action_region_support"),
    ("ask_country", "action_country_info"),
)

HEADER = "# Généré par « python -m bot nlu generate » (bot/tools/form_rules.py) : ne pas modifier à la main.\n"
PATH = "data/rules/form_interruptions.yml"


def render() -> str:
    lines = [HEADER, 'version: "3.1"', "rules:"]
    for form in FORMS:
        for intent, action in ANSWERS:
            lines += [f"  - rule: question pendant {form} ({intent})",
                      "    condition:",
                      f"      - active_loop: {form}",
                      "    steps:",
                      f"      - intent: {intent}",
                      f"      - action: {action}",
                      f"      - action: {form}",
                      f"      - active_loop: {form}"]
    return "\n".join(lines) + "\n"
