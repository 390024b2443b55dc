"""Scenario files: the built-in default, the language, and precise refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mock_tac.scenario import ScenarioError, load_scenario, parse_scenario

from .conftest import ROOT

FIXTURE_DEFAULT = ROOT / "fixtures" / "scenarios" / "default.yaml"
PACKAGE_DEFAULT = ROOT / "mock_tac" / "scenarios" / "default.yaml"


def test_fixture_copy_is_the_built_in_default() -> None:
    assert FIXTURE_DEFAULT.read_text() == PACKAGE_DEFAULT.read_text()


def test_built_in_default_tasks() -> None:
    scenario = load_scenario()
    task = {t.id: t for t in scenario.tasks}
    assert (task[1].lifecycle.outcome, task[1].lifecycle.exit_code) == ("ok", 0)
    assert (task[2].lifecycle.outcome, task[2].lifecycle.exit_code) == ("error", 1)
    assert 1 <= task[1].lifecycle.total_seconds <= 10
    assert 1 <= task[2].lifecycle.total_seconds <= 10
    assert task[3].lifecycle.phases[0].polls == 3
    assert task[4].lifecycle.total_seconds == 3600
    assert task[5].lifecycle_for(1).outcome == "error"
    assert task[5].lifecycle_for(2).outcome == "ok"
    assert task[6].concurrent
    assert [u.login for u in scenario.users] == ["admin@company.com"]


def test_json_scenarios_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"tasks": [{"id": 9, "label": "j"}]}))
    scenario = load_scenario(path)
    assert scenario.tasks[0].label == "j"
    assert scenario.tasks[0].job == "j"
    assert scenario.users[0].login == "admin@company.com"


def test_run_overrides_inherit_the_task_lifecycle() -> None:
    scenario = parse_scenario(
        {
            "tasks": [
                {
                    "id": 1,
                    "label": "t",
                    "lifecycle": {
                        "phases": [{"seconds": 5}],
                        "outcome": "error",
                        "exit_code": 7,
                    },
                    "runs": [{"run": 2, "outcome": "ok"}, {"run": 3, "phases": []}],
                }
            ]
        }
    )
    task = scenario.tasks[0]
    assert task.lifecycle_for(1).exit_code == 7
    assert (task.lifecycle_for(2).outcome, task.lifecycle_for(2).exit_code) == ("ok", 0)
    assert task.lifecycle_for(2).total_seconds == 5
    assert task.lifecycle_for(3).phases == ()
    assert task.lifecycle_for(3).exit_code == 7


@pytest.mark.parametrize(
    "data, path, fragment",
    [
        ({"tasks": [{"id": 1}]}, "tasks[0]", "'label' is a required property"),
        ({"tasks": [{"id": "one", "label": "x"}]}, "tasks[0].id", "not of type"),
        (
            {"tasks": [{"id": 1, "label": "x", "lifecycle": {"outcome": "fine"}}]},
            "tasks[0].lifecycle.outcome",
            "is not one of",
        ),
        (
            {
                "tasks": [
                    {
                        "id": 1,
                        "label": "x",
                        "lifecycle": {"phases": [{"seconds": 1, "polls": 2}]},
                    }
                ]
            },
            "tasks[0].lifecycle.phases[0]",
            "exactly one of 'seconds' or 'polls'",
        ),
        (
            {"tasks": [{"id": 1, "label": "x", "lifecycle": {"exit_code": 300}}]},
            "tasks[0].lifecycle.exit_code",
            "maximum",
        ),
        ({"tasks": [{"id": 1, "label": "x", "colour": "red"}]}, "tasks[0]", "colour"),
        (
            {"tasks": [{"id": 1, "label": "a"}, {"id": 1, "label": "b"}]},
            "tasks[1].id",
            "duplicate id 1",
        ),
        (
            {"tasks": [{"id": 1, "label": "a"}, {"id": 2, "label": "a"}]},
            "tasks[1].label",
            "duplicate label",
        ),
        (
            {
                "users": [
                    {"login": "a", "password": "p"},
                    {"login": "a", "password": "q"},
                ]
            },
            "users[1].login",
            "duplicate login",
        ),
        (
            {"tasks": [{"id": 1, "label": "a", "runs": [{"run": 1}, {"run": 1}]}]},
            "tasks[0].runs[1].run",
            "duplicate run 1",
        ),
        ([1, 2], "(top)", "not of type 'object'"),
    ],
)
def test_invalid_scenarios_name_file_path_and_problem(
    data, path: str, fragment: str
) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data, "bad.yaml")
    message = str(caught.value)
    line = next(line for line in message.splitlines() if line.startswith("bad.yaml: "))
    assert line.startswith(f"bad.yaml: {path}: ")
    assert fragment in message


def test_unreadable_and_unparsable_files(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read the file"):
        load_scenario(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("tasks: [\n  {id: 1,\n")
    with pytest.raises(ScenarioError, match=r"broken.yaml: line \d+, column \d+"):
        load_scenario(broken)


def test_user_repr_hides_the_password() -> None:
    scenario = parse_scenario({"users": [{"login": "u", "password": "s3cret"}]})
    assert "s3cret" not in repr(scenario)


def test_deeply_nested_file_is_a_scenario_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("description: " + "[" * 5000 + "]" * 5000)
    with pytest.raises(ScenarioError, match="nested too deeply"):
        load_scenario(path)


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("seconds: .nan", "tasks[0].lifecycle.phases[0].seconds"),
        ("seconds: .inf", "tasks[0].lifecycle.phases[0].seconds"),
        ("seconds: 1.0e+400", "tasks[0].lifecycle.phases[0].seconds"),
    ],
)
def test_non_finite_numbers_are_refused_with_their_path(
    tmp_path: Path, text: str, path: str
) -> None:
    scenario = tmp_path / "nan.yaml"
    scenario.write_text(
        "tasks:\n  - id: 1\n    label: a\n    lifecycle:\n"
        f"      phases:\n        - {text}\n"
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(scenario)
    assert caught.value.problems == [
        (path, "must be a finite number (not NaN or infinite)")
    ]


def test_non_finite_fault_fields_are_refused() -> None:
    data = {"faults": [{"fault": "latency", "seconds": 1, "probability": float("nan")}]}
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data)
    assert [p for p, _ in caught.value.problems] == ["faults[0].probability"]


def test_durations_are_at_most_ten_years() -> None:
    """Longer would take a virtual clock past any date TAC can print."""
    task = {"id": 1, "label": "a", "lifecycle": {"phases": [{"seconds": 1e300}]}}
    with pytest.raises(ScenarioError) as caught:
        parse_scenario({"tasks": [task]})
    assert caught.value.problems[0][0] == "tasks[0].lifecycle.phases[0].seconds"
