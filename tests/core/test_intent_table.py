"""The table of intents (bot/core/intent_table.py) agrees with domain.yml, with the rules of
data/rules/ and with the actions the action server registers."""

from __future__ import annotations

import inspect

import yaml
from rasa_sdk import Action
from rasa_sdk.utils import all_subclasses

from actions import actions
from bot.config import settings
from bot.core import intent_table, replies

ROOT = settings.PROJECT_ROOT
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
# Rasa's own actions, which the domain may name without defining them.
RASA_ACTIONS = {"action_restart", "action_deactivate_loop", "action_listen", "action_two_stage_fallback"}


def registered_actions() -> dict:
    """Name → class of every action the action server registers, found as rasa_sdk finds them."""
    found = {}
    for cls in all_subclasses(Action):
        if cls.__module__ == actions.__name__ and not inspect.isabstract(cls):
            found[cls().name()] = cls
    return found


def one_step_rules() -> set:
    """(intent, action) of every rule of data/rules/ that answers an intent by one action,
    outside a form."""
    pairs = set()
    for path in sorted((ROOT / "data" / "rules").glob("*.yml")):
        for rule in yaml.safe_load(path.read_text(encoding="utf-8")).get("rules", []):
            steps = rule["steps"]
            if not rule.get("condition") and len(steps) == 2 and "intent" in steps[0] and "action" in steps[1]:
                pairs.add((steps[0]["intent"], steps[1]["action"]))
    return pairs


def test_every_intent_of_the_domain_has_a_row_or_a_reason():
    rows = [row.intent for row in intent_table.ROWS]
    assert len(rows) == len(set(rows)), "une intention a deux lignes"
    assert set(rows).isdisjoint(intent_table.NOT_IN_TABLE)
    assert set(DOMAIN["intents"]) == set(rows) | set(intent_table.NOT_IN_TABLE)


def test_every_action_of_the_table_is_in_the_domain():
    for row in intent_table.ROWS:
        if row.action.startswith("utter_"):
            assert row.action in DOMAIN["responses"], row
        else:
            assert row.action in DOMAIN["actions"], row


def test_the_domain_and_the_action_server_name_the_same_actions():
    assert set(registered_actions()) == set(DOMAIN["actions"]) - RASA_ACTIONS


def test_each_reply_builder_has_its_answer_action_and_no_other_row_has_one():
    registered = registered_actions()
    for row in intent_table.ROWS:
        action = registered.get(row.action)
        is_answer_action = action is not None and issubclass(action, actions.AnswerAction)
        assert is_answer_action == (row.reply is not None), row
        if is_answer_action:
            assert action.intent == row.intent


def test_every_row_is_the_rule_of_its_intent():
    rules = one_step_rules()
    for row in intent_table.ROWS:
        assert (row.intent, row.action) in rules, f"aucune règle « {row.intent} → {row.action} » dans data/rules/"


def test_a_button_whose_intent_has_no_builder_is_not_answered_by_rank(kb):
    for intent in ("affirm", "request_adviser", "inform_company", "pas_une_intention"):
        assert intent_table.route_intent(kb, intent, {}, {}) == ({}, replies.no_list_to_choose_from())
