"""runTask and getTaskExecutionStatus, against the documented replies."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

import pytest

from mock_tac import MockTac, parse_scenario
from mock_tac.clock import VirtualClock
from mock_tac.engine import Engine

from .conftest import ADMIN, QUICK_SCENARIO, ROOT, Caller

GOLDEN = ROOT / "fixtures" / "golden"
EXEC_REQUEST_ID = re.compile(r"^\d{13}_[A-Za-z0-9]{5}$")
VARYING = {"execRequestId", "executionTime"}


def golden(name: str) -> dict:
    return json.loads((GOLDEN / f"{name}.json").read_text())


def assert_matches_golden(reply: dict, name: str) -> None:
    """Same keys and values as the documented reply; ids and timings by format."""
    expected = golden(name)
    assert sorted(reply) == sorted(expected)
    for key in set(expected) - VARYING:
        assert reply[key] == expected[key], key
    time_ = reply["executionTime"]
    assert set(time_) == {"millis", "seconds"}
    assert time_["seconds"] == time_["millis"] // 1000
    if "execRequestId" in expected:
        assert EXEC_REQUEST_ID.match(reply["execRequestId"])


class TickingClock(VirtualClock):
    """A frozen virtual clock that moves 0.7 ms forward at every reading."""

    def __init__(self) -> None:
        super().__init__(start=1_700_000_000.9995, auto=False)

    def now(self) -> float:
        return self.advance(0.0007)


def virtual_engine(scenario: dict = QUICK_SCENARIO) -> Engine:
    return Engine(parse_scenario(scenario), clock=VirtualClock(start=1_700_000_000))


def run(engine: Engine, task_id, mode: str = "asynchronous", **extra) -> dict:
    return engine.call(
        {"actionName": "runTask", **ADMIN, "taskId": task_id, "mode": mode, **extra}
    )


def status(engine: Engine, exec_request_id: str) -> dict:
    return engine.call(
        {
            "actionName": "getTaskExecutionStatus",
            **ADMIN,
            "execRequestId": exec_request_id,
        }
    )


class TestAsynchronousFlow:
    def test_ok_task_is_polled_to_ended_ok(self, call: Caller) -> None:
        started = call("runTask", taskId=1, mode="asynchronous")
        assert_matches_golden(started, "run_task_async")

        first = call("getTaskExecutionStatus", execRequestId=started["execRequestId"])
        assert_matches_golden(first, "execution_status_running")
        reply = first
        deadline = time.monotonic() + 10
        while reply["execBasicStatus"] == "RUNNING" and time.monotonic() < deadline:
            time.sleep(0.05)
            reply = call(
                "getTaskExecutionStatus", execRequestId=started["execRequestId"]
            )
        assert reply["execDetailedStatus"] == "ENDED_OK"
        assert reply["execBasicStatus"] == "OK"
        assert reply["execDetailedStatusLabel"] == "Ok"
        assert reply["jobExitCode"] == 0

    def test_failing_task_is_polled_to_job_error(self, call: Caller) -> None:
        started = call("runTask", method="POST", taskId="2", mode="asynchronous")
        reply = {"execBasicStatus": "RUNNING"}
        deadline = time.monotonic() + 10
        while reply["execBasicStatus"] == "RUNNING" and time.monotonic() < deadline:
            time.sleep(0.05)
            reply = call(
                "getTaskExecutionStatus", execRequestId=started["execRequestId"]
            )
        assert_matches_golden(reply, "execution_status_job_error")

    def test_running_status_has_no_exit_code(self) -> None:
        engine = virtual_engine()
        engine.clock.auto = False
        started = run(engine, 1)
        reply = status(engine, started["execRequestId"])
        assert reply["execBasicStatus"] == "RUNNING"
        assert "jobExitCode" not in reply

    def test_phase_durations_follow_the_clock(self) -> None:
        engine = virtual_engine()
        engine.clock.auto = False
        exec_id = run(engine, 1)["execRequestId"]
        engine.clock.advance(0.29)
        assert status(engine, exec_id)["execBasicStatus"] == "RUNNING"
        engine.clock.advance(0.02)
        assert status(engine, exec_id)["execDetailedStatus"] == "ENDED_OK"

    def test_poll_counted_phase_ends_after_its_polls(self) -> None:
        engine = virtual_engine()
        exec_id = run(engine, 3)["execRequestId"]
        seen = [status(engine, exec_id).get("jobExitCode") for _ in range(2)]
        assert seen == [None, None]
        assert status(engine, exec_id)["jobExitCode"] == 4

    def test_nth_run_follows_its_own_script(self) -> None:
        engine = virtual_engine()
        outcomes = []
        for _ in range(3):
            exec_id = run(engine, 4)["execRequestId"]
            engine.clock.advance(1)
            reply = status(engine, exec_id)
            outcomes.append((reply["execDetailedStatus"], reply["jobExitCode"]))
        assert outcomes == [("JOB_ERROR", 9), ("ENDED_OK", 0), ("ENDED_OK", 0)]


class TestSynchronousRun:
    def test_ok_reply_matches_documentation(self, call: Caller) -> None:
        reply = call("runTask", taskId=1, mode="synchronous")
        assert_matches_golden(reply, "run_task_sync_ok")
        assert reply["executionTime"]["millis"] >= 300

    def test_error_reply_matches_documentation(self, call: Caller) -> None:
        reply = call("runTask", method="POST", taskId=2, mode="synchronous")
        assert_matches_golden(reply, "run_task_sync_error")

    def test_other_clients_are_served_while_a_run_holds(self, quick_server) -> None:
        from .conftest import make_caller

        call = make_caller(quick_server.url)
        result: dict = {}
        holder = threading.Thread(
            target=lambda: result.update(call("runTask", taskId=1, mode="synchronous"))
        )
        holder.start()
        time.sleep(0.05)
        other = call("runTask", taskId=2, mode="asynchronous")
        assert other["returnCode"] == 0 and not result
        holder.join(10)
        assert result["execDetailedStatus"] == "ENDED_OK"

    def test_one_hour_job_on_a_virtual_clock(self) -> None:
        scenario = {
            "tasks": [
                {"id": 7, "label": "hour", "lifecycle": {"phases": [{"seconds": 3600}]}}
            ]
        }
        engine = virtual_engine(scenario)
        before = engine.clock.now()
        reply = run(engine, 7, mode="synchronous")
        assert reply["execDetailedStatus"] == "ENDED_OK"
        assert reply["executionTime"] == {"millis": 3_600_000, "seconds": 3600}
        assert engine.clock.now() - before == pytest.approx(3600)

    def test_poll_counted_phases_take_no_time_when_synchronous(self) -> None:
        reply = run(virtual_engine(), 3, mode="synchronous")
        assert (reply["execDetailedStatus"], reply["jobExitCode"]) == ("JOB_ERROR", 4)


class TestRunTaskParameters:
    def test_task_id_as_number_or_numeric_string(self) -> None:
        engine = virtual_engine()
        assert run(engine, 5)["returnCode"] == 0
        assert run(engine, "5")["returnCode"] == 0
        assert run(engine, " 5 ")["returnCode"] == 0

    @pytest.mark.parametrize("task_id", [99, "99", "abc", "1.5", True, [1]])
    def test_unknown_or_non_numeric_task(self, task_id) -> None:
        reply = run(virtual_engine(), task_id)
        assert reply["returnCode"] == 5
        assert reply["error"].startswith("Cannot find task with id=")
        assert "execRequestId" not in reply

    def test_missing_task_id(self) -> None:
        reply = virtual_engine().call({"actionName": "runTask", **ADMIN, "mode": "x"})
        assert (reply["returnCode"], reply["error"]) == (5, "Missing parameter: taskId")

    @pytest.mark.parametrize("mode", [None, "", "sync", "SYNCHRONOUS", 1])
    def test_mode_must_be_one_of_two_values(self, mode) -> None:
        params = {"actionName": "runTask", **ADMIN, "taskId": 1}
        if mode is not None:
            params["mode"] = mode
        reply = virtual_engine().call(params)
        assert reply["returnCode"] == 33
        assert reply["error"] == (
            "The parameter 'mode' must have the value 'synchronous' or 'asynchronous'"
        )

    def test_context_and_jvm_params_are_recorded(self) -> None:
        engine = virtual_engine()
        exec_id = run(
            engine, 1, context={"day": "2024-01-01", "n": 3}, jvmParams=["-Xmx256m"]
        )["execRequestId"]
        with engine.store.transaction() as state:
            execution = state.executions[exec_id]
        assert execution.context == {"day": "2024-01-01", "n": "3"}
        assert execution.jvm_params == ["-Xmx256m"]

    @pytest.mark.parametrize(
        "extra", [{"context": "day=1"}, {"jvmParams": [1, 2]}, {"jvmParams": {}}]
    )
    def test_malformed_context_or_jvm_params(self, extra) -> None:
        reply = run(virtual_engine(), 1, **extra)
        assert reply["returnCode"] == 5
        assert "Invalid parameter" in reply["error"]

    def test_unknown_extra_fields_are_ignored(self) -> None:
        assert run(virtual_engine(), 1, foo="bar", nested={"a": 1})["returnCode"] == 0


class TestBusyTask:
    def test_second_run_while_running_is_refused(self) -> None:
        engine = virtual_engine()
        engine.clock.auto = False
        first = run(engine, 1)
        refused = run(engine, 1)
        assert refused["returnCode"] == 30
        assert "still processing" in refused["error"]
        assert "execRequestId" not in refused
        engine.clock.advance(1)
        assert run(engine, 1)["execRequestId"] != first["execRequestId"]

    def test_concurrent_task_may_run_many_times(self) -> None:
        engine = virtual_engine()
        engine.clock.auto = False
        ids = {run(engine, 5)["execRequestId"] for _ in range(20)}
        assert len(ids) == 20
        assert all(EXEC_REQUEST_ID.match(i) for i in ids)

    def test_exec_request_id_carries_the_start_time(self) -> None:
        engine = virtual_engine()
        exec_id = run(engine, 1)["execRequestId"]
        assert exec_id.startswith("1700000000000_")

    def test_exec_request_id_millis_are_the_recorded_start(self) -> None:
        """One clock reading serves both, even on a clock that moves at every read."""
        engine = Engine(parse_scenario(QUICK_SCENARIO), clock=TickingClock())
        for _ in range(5):
            exec_id = run(engine, 5)["execRequestId"]
            with engine.store.transaction() as state:
                started_at = state.executions[exec_id].started_at
            assert exec_id.split("_")[0] == f"{int(started_at * 1000):013d}"


class TestAuthenticationAndActions:
    @pytest.mark.parametrize(
        "creds",
        [
            {},
            {"authUser": "admin@company.com"},
            {"authUser": "x", "authPass": "admin"},
            {"authUser": "admin@company.com", "authPass": "Admin"},
        ],
    )
    def test_wrong_or_missing_credentials(self, creds) -> None:
        reply = virtual_engine().call(
            {"actionName": "runTask", "taskId": 1, "mode": "asynchronous", **creds}
        )
        assert reply["returnCode"] == 3
        assert reply["error"] == golden("authentication_error")["error"]

    def test_status_needs_credentials_too(self) -> None:
        reply = virtual_engine().call(
            {"actionName": "getTaskExecutionStatus", "execRequestId": "1_abcde"}
        )
        assert reply["returnCode"] == 3

    def test_unknown_exec_request_id(self) -> None:
        reply = status(virtual_engine(), "1406817216723_97nsV")
        assert reply["returnCode"] == 5
        assert "1406817216723_97nsV" in reply["error"]

    @pytest.mark.parametrize(
        "params, fragment",
        [
            ({}, "Missing parameter: actionName"),
            ({"actionName": ""}, "Missing parameter: actionName"),
            ({"actionName": "launchRocket"}, "Unknown actionName: launchRocket"),
            ({"actionName": 42}, "expected a string, got number"),
        ],
    )
    def test_missing_or_unknown_action(self, params, fragment) -> None:
        reply = virtual_engine().call(params)
        assert reply["returnCode"] == 2
        assert fragment in reply["error"]

    def test_user_without_run_right(self) -> None:
        scenario = {
            **QUICK_SCENARIO,
            "users": [
                {"login": "viewer@company.com", "password": "v", "can_run": False}
            ],
        }
        reply = virtual_engine(scenario).call(
            {
                "actionName": "runTask",
                "authUser": "viewer@company.com",
                "authPass": "v",
                "taskId": 1,
                "mode": "asynchronous",
            }
        )
        assert (reply["returnCode"], reply["error"]) == (
            32,
            "No right to run this task",
        )


def test_default_scenario_task_1_ok_and_task_2_error() -> None:
    """The built-in scenario: task 1 ends OK/0, task 2 JOB_ERROR/1."""
    engine = MockTac(clock="virtual").engine()
    ok = run(engine, 1, mode="synchronous")
    failed = run(engine, 2, mode="synchronous")
    assert (ok["execDetailedStatus"], ok["jobExitCode"]) == ("ENDED_OK", 0)
    assert (failed["execDetailedStatus"], failed["jobExitCode"]) == ("JOB_ERROR", 1)
    assert ok["executionTime"]["seconds"] >= 2


def test_journal_masks_passwords(quick_mock: MockTac) -> None:
    engine = quick_mock.engine()
    run(engine, 1)
    entry = engine.journal.entries(action="runTask")[-1]
    assert entry.params["authPass"] == "***"
    assert "admin" not in json.dumps(entry.params).replace("admin@company.com", "")


def test_golden_files_are_the_documented_examples() -> None:
    """Guard against editing the golden data to fit the mock."""
    assert golden("run_task_sync_ok")["execRequestId"] == "1406816118032_sYHGd"
    assert golden("run_task_async")["execRequestId"] == "1406817216723_97nsV"
    assert len(list(Path(GOLDEN).glob("*.json"))) >= 6


def test_auto_clock_jump_is_not_billed_to_the_poll() -> None:
    """A poll answers at once; the hour the clock skips shows only in later state."""
    scenario = {
        "tasks": [
            {"id": 7, "label": "hour", "lifecycle": {"phases": [{"seconds": 3600}]}}
        ]
    }
    engine = virtual_engine(scenario)
    exec_id = run(engine, 7)["execRequestId"]
    first = status(engine, exec_id)
    assert first["execBasicStatus"] == "RUNNING"
    assert first["executionTime"] == {"millis": 0, "seconds": 0}
    second = status(engine, exec_id)
    assert (second["execDetailedStatus"], second["executionTime"]["millis"]) == (
        "ENDED_OK",
        0,
    )


@pytest.mark.parametrize(
    "task_id, shown", [(1e3, "1000.0"), ({"a": 1}, '{"a":1}'), ("x y", "x y")]
)
def test_unknown_ids_are_shown_as_json(task_id, shown) -> None:
    """Error texts quote what the client sent in JSON, not in Python."""
    reply = run(virtual_engine(), task_id)
    assert reply["error"] == f"Cannot find task with id={shown}"
    reply = status(virtual_engine(), task_id)
    assert reply["error"] == f"Cannot find execution with execRequestId={shown}"


@pytest.mark.parametrize(
    "extra, error",
    [
        (
            {"context": "a=b"},
            "Invalid parameter 'context': expected an object of context variables, "
            "got string",
        ),
        (
            {"context": ["a"]},
            "Invalid parameter 'context': expected an object of context variables, "
            "got array",
        ),
        (
            {"jvmParams": [1, "-Xmx1g"]},
            "Invalid parameter 'jvmParams': expected an array of strings, "
            'got [1,"-Xmx1g"]',
        ),
        ({"taskId": True}, "Cannot find task with id=true"),
    ],
)
def test_parameter_errors_speak_json(extra: dict, error: str) -> None:
    """Error texts name JSON types and show values in JSON, never Python's words."""
    reply = run(virtual_engine(), extra.pop("taskId", 1), **extra)
    assert (reply["returnCode"], reply["error"]) == (5, error)


def test_nested_context_values_reach_the_job_as_json() -> None:
    engine = virtual_engine()
    context = {"a": {"b": 1}, "c": [True, None], "d": 1.5, "e": False, "f": None}
    exec_id = run(engine, 1, context=context)["execRequestId"]
    with engine.store.transaction() as state:
        stored = state.executions[exec_id].context
    expected = {"a": '{"b":1}', "c": "[true,null]", "d": "1.5", "e": "false"}
    assert stored == {**expected, "f": ""}
