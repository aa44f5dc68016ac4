"""Instances and plans are read and written in the spec's formats; bad files are named."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
from opt_support import load_data, problem_of

from optimizer.plan import Plan, PlanError
from optimizer.problem import InstanceError, Problem, load_problem

ROOT = Path(__file__).resolve().parents[2]


def test_an_instance_round_trips_through_its_dict_form():
    problem = problem_of("tiny-1")
    again = Problem.from_dict(json.loads(json.dumps(problem.to_dict())))
    assert again == problem


def test_single_numbers_stand_for_every_night():
    data = load_data("tiny-1")
    data["shelters"][0]["beds"] = 3
    problem = Problem.from_dict(data)
    assert problem.shelters[0].beds == (3,) * problem.nights


def _break(change):
    data = load_data("tiny-1")
    change(data)
    return data


BAD = {
    "missing requests": (lambda d: d.pop("requests"), "missing requests"),
    "missing field": (lambda d: d["requests"][0].pop("gender"), "missing gender"),
    "negative count": (lambda d: d["requests"][0].update(children=-1), "children"),
    "negative beds": (lambda d: d["shelters"][0].update(beds=-2), "beds"),
    "negative balance": (lambda d: d["programs"][0].update(balance=-5), "balance"),
    "window past horizon": (lambda d: d["requests"][0].update(latest=99), "outside the horizon"),
    "window reversed": (lambda d: d["requests"][0].update(earliest=3, latest=2), "window"),
    "unknown fixed resource": (
        lambda d: d.setdefault("fixed", []).append(
            {"request": "F1", "resource": "nowhere", "check_in": 0, "nights": 2, "persons": 1}),
        "unknown resource 'nowhere'",
    ),
    "unknown program": (lambda d: d["hotels"][0].update(program="hilton"), "unknown program"),
    "short nightly list": (lambda d: d["hotels"][0].update(rooms=[1, 2]), "rooms has 2"),
    "bad policy": (lambda d: d["shelters"][0].update(policy="adults"), "unknown policy"),
    "bad gender": (lambda d: d["requests"][0].update(gender="x"), "gender"),
    "duplicate id": (lambda d: d["requests"][1].update(id=d["requests"][0]["id"]), "used twice"),
    "nobody in the party": (lambda d: d["requests"][0].update(adults=0, children=0), "person"),
    "wrong format": (lambda d: d.update(format="other/1"), "format"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_instance_is_refused_with_a_message_naming_the_problem(name):
    change, words = BAD[name]
    with pytest.raises(InstanceError) as err:
        Problem.from_dict(_break(change))
    assert words in str(err.value)
    assert "\n" not in str(err.value)


def test_a_file_that_is_not_json_is_named(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{not json")
    with pytest.raises(InstanceError, match="not JSON"):
        load_problem(path)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "optimizer", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", ["missing field", "negative count", "window past horizon",
                                  "unknown fixed resource"])
def test_the_command_line_prints_one_line_and_fails_for_a_bad_instance(tmp_path, name):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_break(BAD[name][0])))
    done = _cli("solve", str(path))
    assert done.returncode != 0
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
    assert BAD[name][1] in done.stderr


def test_the_command_line_names_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("[1, 2")
    done = _cli("solve", str(path))
    assert done.returncode != 0 and "not JSON" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_the_command_line_writes_a_plan_that_the_validator_accepts(tmp_path):
    done = _cli("solve", str(ROOT / "tests/optimizer/data/tiny-1.json"), "--time-limit", "10")
    assert done.returncode == 0, done.stderr
    plan = Plan.from_dict(json.loads(done.stdout))
    from opt_support import assert_valid

    assert_valid(problem_of("tiny-1"), plan)
    assert plan.status == "optimal"


def test_a_plan_round_trips_through_json():
    plan = Plan.from_dict({"format": "placement-plan/1",
                           "assignments": [{"request": "R1", "resource": "H1", "check_in": 0,
                                            "nights": 3, "rooms": 1, "points": 85000}],
                           "unplaced": ["R2"], "reasons": {"R2": "no room"},
                           "cost": 1.5, "bound": 1.0, "status": "feasible", "seconds": 0.1})
    assert Plan.from_dict(json.loads(plan.to_json())) == plan


def test_a_malformed_plan_is_refused():
    with pytest.raises(PlanError):
        Plan.from_dict({"assignments": [{"request": "R1", "check_in": "soon", "nights": 1}]})
    with pytest.raises(PlanError):
        Plan.from_dict({"assignments": {}, "unplaced": []})


def test_the_problem_is_independent_of_the_original_dict():
    data = load_data("tiny-1")
    problem = Problem.from_dict(data)
    copy.deepcopy(data)["requests"].clear()
    assert len(problem.requests) == len(data["requests"])
