"""Version dialects: what --tac-version switches."""

from __future__ import annotations

import time
from typing import Any

import pytest

from mock_tac import MockTac, parse_scenario
from mock_tac.clock import VirtualClock
from mock_tac.dialect import DIALECTS, get_dialect
from mock_tac.engine import Engine
from mock_tac.server import LiveServer

from .conftest import ADMIN, QUICK_SCENARIO, make_caller

VERSIONS = sorted(DIALECTS)


def engine(version: str) -> Engine:
    """An auto virtual clock: a synchronous run ends at once."""
    clock = VirtualClock(start=1_700_000_000, auto=True)
    return Engine(parse_scenario(QUICK_SCENARIO), clock=clock, dialect=version)


def ask(e: Engine, action: str, **params: Any) -> dict[str, Any]:
    return e.call({"actionName": action, **ADMIN, **params})


def test_versions() -> None:
    assert VERSIONS == ["5.4", "5.6", "6.3", "7.3", "8.0"]
    with pytest.raises(ValueError, match="5.4, 5.6, 6.3, 7.3, 8.0"):
        get_dialect("9.1")


@pytest.mark.parametrize(
    ("version", "text"),
    [
        ("5.4", "Incorrect password"),
        ("5.6", "Incorrect password"),
        ("6.3", "Username or password is wrong"),
        ("7.3", "Username or password is wrong"),
        ("8.0", "Username or password is wrong"),
    ],
)
def test_authentication_error_text(version: str, text: str) -> None:
    reply = engine(version).call(
        {"actionName": "listTasks", "authUser": "admin@company.com", "authPass": "x"}
    )
    assert (reply["returnCode"], reply["error"]) == (3, text)


@pytest.mark.parametrize("version", VERSIONS)
def test_task_log_key(version: str) -> None:
    e = engine(version)
    ask(e, "runTask", taskId=1, mode="synchronous")
    reply = ask(e, "taskLog", taskId=1)
    key = "Task Log's contents: " if version == "5.4" else "result"
    assert set(reply) == {key, "returnCode", "executionTime"}
    assert "### Job ENDED SUCCESSFULLY" in reply[key]


@pytest.mark.parametrize("version", VERSIONS)
def test_async_run_task_returns_exec_request_id_from_5_6(version: str) -> None:
    reply = ask(engine(version), "runTask", taskId=1, mode="asynchronous")
    assert reply["returnCode"] == 0
    assert ("execRequestId" in reply) is (version != "5.4")


@pytest.mark.parametrize("version", VERSIONS)
def test_sync_run_task_returns_exec_request_id_from_5_6(version: str) -> None:
    """Before 5.6 runTask returned no execRequestId, in either mode."""
    reply = ask(engine(version), "runTask", taskId=1, mode="synchronous")
    assert reply["execDetailedStatus"] == "ENDED_OK"
    assert ("execRequestId" in reply) is (version != "5.4")


def test_before_5_6_there_is_no_get_task_execution_status() -> None:
    reply = ask(engine("5.4"), "getTaskExecutionStatus", execRequestId="1_abcde")
    assert reply["returnCode"] == 2
    assert (
        ask(engine("5.6"), "getTaskExecutionStatus", execRequestId="1_abcde")[
            "returnCode"
        ]
        == 5
    )


class TestTaskNameParameter:
    def test_the_dialects_parameter_wins_when_both_are_sent(self) -> None:
        both = {"taskName": "quick_ok", "label": "quick_error"}
        assert ask(engine("8.0"), "getTaskIdByName", **both)["taskId"] == 1
        assert ask(engine("5.4"), "getTaskIdByName", **both)["taskId"] == 2

    @pytest.mark.parametrize("version", VERSIONS)
    def test_either_name_is_read_alone(self, version: str) -> None:
        e = engine(version)
        assert ask(e, "getTaskIdByName", taskName="counted")["taskId"] == 3
        assert ask(e, "getTaskIdByName", label="counted")["taskId"] == 3

    def test_miss_is_79_in_5_x_and_5_after(self) -> None:
        assert ask(engine("5.4"), "getTaskIdByName", label="x")["returnCode"] == 79
        assert ask(engine("5.6"), "getTaskIdByName", taskName="x")["returnCode"] == 79
        assert ask(engine("6.3"), "getTaskIdByName", taskName="x")["returnCode"] == 5

    def test_miss_texts(self) -> None:
        """79 carries TAC's documented text first; 5 names the label."""
        old = ask(engine("5.4"), "getTaskIdByName", label="nope")
        assert old["error"] == "No task with input name. (label=nope)"
        new = ask(engine("8.0"), "getTaskIdByName", taskName="nope")
        assert new["error"] == "Cannot find task with label=nope"


def test_old_client_polls_get_task_status_over_http() -> None:
    """A pre-5.6 client: runTask without execRequestId, then getTaskStatus."""
    mock = MockTac(parse_scenario(QUICK_SCENARIO), tac_version="5.4")
    with LiveServer(mock) as server:
        call = make_caller(server.url)
        assert "execRequestId" not in call("runTask", taskId=2, mode="asynchronous")
        reply = call("getTaskStatus", taskId=2)
        deadline = time.monotonic() + 30
        while not reply["status"].startswith("READY_") and time.monotonic() < deadline:
            time.sleep(0.02)
            reply = call("getTaskStatus", taskId=2)
        assert reply["status"] == "READY_TO_RUN"
        assert reply["errorStatus"] == "JOB_ERROR"
