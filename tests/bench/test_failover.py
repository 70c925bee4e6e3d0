"""The failover benchmark's pure parts (bench/failover.py): the think time between an
answer and the next message, the figures of a phase (the steady state before the kill
apart from the longest wait, the targets judged only where they mean something) and the
table. The deployment and its kills are measured by `make bench ONLY=failover`, not here."""

import argparse
import json

import pytest

from bench import failover
from bench.failover import CLOSED_LOOP, ThinkTime, parse_think, targets_met, wait_figures

THINK = (4.0, 10.0)


def test_think_option_reads_min_and_max_and_refuses_what_is_not_a_range():
    assert parse_think("4,10") == (4.0, 10.0)
    assert parse_think(" 0.5 , 2 ") == (0.5, 2.0)
    assert parse_think("0,0") == CLOSED_LOOP
    for wrong in ("4", "4,10,12", "a,b", "10,4", "-1,2", "1,inf", "nan,1", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_think(wrong)


def test_think_option_on_the_command_line_rejects_a_reversed_range():
    with pytest.raises(SystemExit) as stopped:
        failover.main(["--think", "10,4"])
    assert stopped.value.code == 2


def test_pauses_are_uniform_in_the_range_and_the_same_for_the_same_seed():
    pauses = ThinkTime(THINK, "19-0")
    drawn = [pauses.after_answer() for _ in range(2000)]
    assert all(4.0 <= pause <= 10.0 for pause in drawn)
    # Spread over the whole range, centred on its middle: not a constant, not one end.
    assert min(drawn) < 4.2 and max(drawn) > 9.8
    assert 6.8 < sum(drawn) / len(drawn) < 7.2
    again = ThinkTime(THINK, "19-0")
    assert [again.after_answer() for _ in range(2000)] == drawn
    # Each conversation has its own seed, hence its own pauses.
    other = ThinkTime(THINK, "19-1")
    assert [other.after_answer() for _ in range(20)] != drawn[:20]


def test_first_message_waits_a_random_part_of_the_range_so_conversations_do_not_start_together():
    firsts = [ThinkTime(THINK, f"19-{index}").before_first() for index in range(50)]
    assert all(0 <= first <= 10.0 for first in firsts)
    assert len({round(first, 3) for first in firsts}) == 50
    assert min(firsts) < 2 and max(firsts) > 8


def test_closed_loop_never_pauses():
    pauses = ThinkTime(CLOSED_LOOP, "19-0")
    assert pauses.before_first() == 0 and {pauses.after_answer() for _ in range(100)} == {0}


def _turns(before_kill: list[float], after_kill: list[float], killed_at: float) -> list[tuple[float, float]]:
    """(start, wait) turns: the first ones end before the kill, the others start after it."""
    turns = [(killed_at - wait - 1, wait) for wait in before_kill]
    return turns + [(killed_at + 1 + n, wait) for n, wait in enumerate(after_kill)]


def test_steady_state_before_the_kill_is_reported_apart_from_the_longest_wait():
    turns = _turns([0.4, 0.5, 0.6, 0.7, 0.8], [0.5, 4.9, 0.6], killed_at=30)
    # A turn in flight at the kill (ends after it) belongs to the failover, not the steady state.
    turns.append((29.5, 3.0))
    figures = wait_figures(turns, [], 30, THINK)
    assert figures["steady_turns"] == 5 and figures["steady_p50_s"] == 0.6
    assert figures["steady_turns_per_s"] == round(5 / 30, 2)
    assert figures["turns"] == 9 and figures["longest_wait_s"] == 4.9
    assert figures["turns_over_target"] == 0 and figures["slow_turns_at_s"] == []
    assert figures["think_s"] == [4.0, 10.0] and figures["measures"] == "failover"
    assert figures["targets_met"] == {"failed": True, "longest_wait": True}
    # The figures go into the JSON result as they are.
    assert json.loads(json.dumps(figures))["think_s"] == [4.0, 10.0]


def test_a_wait_over_five_seconds_under_think_time_misses_the_target_and_is_listed():
    turns = _turns([0.5, 0.6], [5.2, 0.7], killed_at=30)
    figures = wait_figures(turns, [], 30, THINK)
    assert figures["targets_met"] == {"failed": True, "longest_wait": False}
    assert figures["turns_over_target"] == 1 and figures["slow_turns_at_s"] == [(31.0, 5.2)]


def test_closed_loop_waits_are_a_capacity_measure_not_held_against_the_target():
    turns = _turns([4.9, 5.1, 4.7], [16.5, 8.5], killed_at=10)
    figures = wait_figures(turns, [], 10, CLOSED_LOOP)
    assert figures["measures"] == "capacity" and figures["think_s"] == [0.0, 0.0]
    assert figures["steady_p50_s"] == 4.9 and figures["longest_wait_s"] == 16.5
    assert figures["targets_met"] == {"failed": True, "longest_wait": None}
    # A lost message is a failure under any load.
    failed = wait_figures(turns, [(12.0, "HTTP 502")], 10, CLOSED_LOOP)
    assert failed["failed"] == 1 and failed["failures"] == ["HTTP 502"]
    assert failed["targets_met"]["failed"] is False


def test_a_phase_without_any_answer_has_no_figures_and_misses_the_target():
    figures = wait_figures([], [(1.0, "ClientConnectorError")], 10, THINK)
    assert figures["steady_p50_s"] is None and figures["longest_wait_s"] is None and figures["p95_s"] is None
    assert figures["targets_met"] == {"failed": False, "longest_wait": False}


def _phase(entry, concurrency, think, turns, failures=(), killed_at=30):
    return {
        "entry": entry,
        "concurrency": concurrency,
        **wait_figures(turns, list(failures), killed_at, think),
        "rasa_back_after_s": 80.0,
        "actions_back_after_s": 20.5,
    }


def test_run_targets_judge_the_wait_only_over_the_think_time_phases():
    realistic = _phase("nginx", 50, THINK, _turns([0.5], [3.0], 30))
    capacity = _phase("nginx", 50, CLOSED_LOOP, _turns([4.9], [16.5], 30))
    assert targets_met([realistic, capacity]) == {"failed": True, "longest_wait": True}
    assert targets_met([capacity]) == {"failed": True, "longest_wait": None}
    slow = _phase("website", 50, THINK, _turns([0.5], [6.0], 30))
    assert targets_met([realistic, slow, capacity])["longest_wait"] is False
    lost = _phase("website", 10, CLOSED_LOOP, _turns([0.5], [0.5], 30), [(31.0, "HTTP 502")])
    assert targets_met([realistic, lost]) == {"failed": False, "longest_wait": True}


def test_table_shows_the_load_the_steady_state_and_the_verdict_of_each_phase():
    phases = [
        _phase("nginx", 10, THINK, _turns([0.7, 0.8, 0.9], [4.2], 30)),
        _phase("website", 50, THINK, _turns([0.7], [6.1], 30)),
        _phase("nginx", 50, CLOSED_LOOP, _turns([4.9, 5.0, 4.8], [16.5], 30)),
        _phase("website", 10, CLOSED_LOOP, _turns([0.5], [0.6], 30), [(31.0, "HTTP 502")]),
    ]
    lines = failover.table({"phases": phases}).splitlines()
    assert len(lines) == 2 + len(phases)
    columns = lines[0].count("|")
    assert all(line.count("|") == columns for line in lines)
    assert "p50 avant la panne" in lines[0] and "réflexion" in lines[0]
    assert lines[2].startswith("| 4–10 s | nginx | 10 |") and "| 0.8 s | 4.2 s |" in lines[2]
    assert lines[2].endswith("| tenu |")
    assert lines[3].endswith("| manqué (attente > 5 s) |")
    assert lines[4].startswith("| boucle fermée | nginx | 50 |") and "| 4.9 s | 16.5 s |" in lines[4]
    assert lines[4].endswith("| mesure de capacité |")
    assert lines[5].endswith("| manqué (messages en échec) |")
