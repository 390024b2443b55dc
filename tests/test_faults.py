"""Faults on demand: matching rules, protocol, lifecycle and transport faults."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from mock_tac import MockTac, ScenarioError, parse_scenario
from mock_tac.faults import FaultError, FaultSet, make_faults
from mock_tac.protocol import encode_request
from mock_tac.server import LiveServer

ROOT = Path(__file__).resolve().parent.parent
ADMIN = {"authUser": "admin@company.com", "authPass": "admin"}


def run(mock: MockTac, task: int, mode: str = "asynchronous", **extra: Any) -> dict:
    return mock.engine().call(
        {**ADMIN, "actionName": "runTask", "taskId": task, "mode": mode, **extra}
    )


def poll(mock: MockTac, exec_request_id: str) -> dict:
    return mock.engine().call(
        {
            **ADMIN,
            "actionName": "getTaskExecutionStatus",
            "execRequestId": exec_request_id,
        }
    )


@pytest.fixture
def mock() -> MockTac:
    """The built-in scenario on a frozen virtual clock."""
    return MockTac(clock="virtual", clock_auto=False)


class TestProtocolFaults:
    """Protocol faults answer with TAC's codes and texts."""

    @pytest.mark.parametrize(
        ("fault", "code", "text"),
        [
            ("auth_failure", 3, "Username or password is wrong"),
            ("insufficient_right", 7, "Insufficient right"),
            ("no_right_to_run", 32, "No right to run this task"),
            ("launch_error", 30, "Error while launching task"),
            ("thread_interrupted", 31, "Thread interupted while running"),
            ("unknown_error", 1, "Unknown error"),
        ],
    )
    def test_code_and_text(self, mock: MockTac, fault: str, code: int, text: str):
        """Each protocol fault answers its returnCode with TAC's error text."""
        mock.add_fault(fault=fault, action="runTask")
        reply = run(mock, 1)
        assert reply["returnCode"] == code
        assert reply["error"] == text
        assert "executionTime" in reply

    def test_auth_failure_speaks_the_dialect(self):
        """A 5.6 mock says "Incorrect password", as TAC 5.x did."""
        old = MockTac(clock="virtual", tac_version="5.6")
        old.add_fault(fault="auth_failure")
        assert old.engine().call({**ADMIN, "actionName": "listTasks"}) == {
            "error": "Incorrect password",
            "returnCode": 3,
            "executionTime": {"millis": 0, "seconds": 0},
        }

    def test_task_busy_says_still_processing(self, mock: MockTac):
        """The busy-task refusal is 30 with "still processing", as TAC says."""
        mock.add_fault(fault="task_busy", task=6)
        reply = run(mock, 6)
        assert reply["returnCode"] == 30
        assert "still processing" in reply["error"]
        assert reply["error"].startswith("Task 'parallel_extract' (id=6)")

    def test_refused_run_starts_nothing(self, mock: MockTac):
        """A runTask refused by a fault starts no execution."""
        mock.add_fault(fault="launch_error", action="runTask")
        run(mock, 1)
        with mock.engine().store.transaction() as state:
            assert state.executions == {}
            assert state.tasks[1].runs == 0

    def test_custom_message(self, mock: MockTac):
        mock.add_fault(fault="unknown_error", message="Database is down")
        assert run(mock, 1)["error"] == "Database is down"

    def test_unknown_execution_forgets_it(self, mock: MockTac):
        """unknown_execution makes an execRequestId unknown, as after a restart."""
        rid = run(mock, 1)["execRequestId"]
        assert poll(mock, rid)["returnCode"] == 0
        mock.add_fault(fault="unknown_execution", call=1)
        reply = poll(mock, rid)
        assert reply["returnCode"] == 5
        assert rid in reply["error"]
        assert poll(mock, rid)["returnCode"] == 5  # gone for good


class TestMatching:
    """Which calls a rule fires on."""

    def test_nth_call_of_an_action(self, mock: MockTac):
        """call: 3 fires on the third runTask only, whatever else is asked."""
        mock.add_fault(fault="launch_error", action="runTask", call=3)
        codes = []
        for _ in range(5):
            codes.append(run(mock, 6)["returnCode"])
            mock.engine().call({**ADMIN, "actionName": "listTasks"})
        assert codes == [0, 0, 30, 0, 0]

    def test_task_filter_counts_that_task_only(self, mock: MockTac):
        mock.add_fault(fault="launch_error", task=6, call=2)
        assert run(mock, 1)["returnCode"] == 0
        assert run(mock, 6)["returnCode"] == 0
        assert run(mock, 6)["returnCode"] == 30

    def test_task_of_an_execution_matches(self, mock: MockTac):
        """A poll matches ``task`` through the task of its execRequestId."""
        rid = run(mock, 4)["execRequestId"]
        mock.add_fault(fault="unknown_error", task=4, action="getTaskExecutionStatus")
        assert poll(mock, rid)["returnCode"] == 1

    def test_from_call_and_times(self, mock: MockTac):
        mock.add_fault(fault="auth_failure", action="listTasks", from_call=2, times=2)
        listed = [
            mock.engine().call({**ADMIN, "actionName": "listTasks"})["returnCode"]
            for _ in range(5)
        ]
        assert listed == [0, 3, 3, 0, 0]

    def test_list_of_calls(self, mock: MockTac):
        mock.add_fault(fault="unknown_error", action="listTasks", call=[1, 3])
        listed = [
            mock.engine().call({**ADMIN, "actionName": "listTasks"})["returnCode"]
            for _ in range(4)
        ]
        assert listed == [1, 0, 1, 0]

    def test_probability_repeats_with_its_seed(self):
        """The same seed fires on the same calls; another seed on other calls."""

        def pattern(seed: int) -> list[bool]:
            faults = FaultSet(
                make_faults({"fault": "reset", "probability": 0.5, "seed": seed})
            )
            return [bool(faults.fire(("transport",), "help", None)) for _ in range(40)]

        assert pattern(11) == pattern(11)
        assert pattern(11) != pattern(12)
        assert 5 < sum(pattern(11)) < 35

    def test_counters_are_reported(self, mock: MockTac):
        mock.add_fault(fault="unknown_error", action="listTasks", call=2)
        for _ in range(3):
            mock.engine().call({**ADMIN, "actionName": "listTasks"})
        (rule,) = mock.engine().faults.as_list()
        assert (rule["seen"], rule["fired"]) == (3, 1)

    def test_journal_names_the_fault(self, mock: MockTac):
        mock.add_fault(fault="insufficient_right", action="listTasks")
        mock.engine().call({**ADMIN, "actionName": "listTasks"})
        entry = mock.journal().entries()[-1]
        assert entry.transport["faults"] == ["insufficient_right"]
        assert entry.params["authPass"] == "***"


class TestLifecycleFaults:
    """Executions stuck in RUNNING, or stopped."""

    def test_stuck_never_ends(self, mock: MockTac):
        mock.add_fault(fault="stuck", action="runTask", task=1)
        rid = run(mock, 1)["execRequestId"]
        mock.advance_clock(10 * 24 * 3600)
        reply = poll(mock, rid)
        assert reply["execBasicStatus"] == "RUNNING"
        assert "jobExitCode" not in reply

        mock.set_execution_state(rid, "ok")
        assert poll(mock, rid)["execDetailedStatus"] == "ENDED_OK"

    def test_stuck_on_auto_clock_does_not_run_away(self):
        """Polling a stuck execution never jumps an auto clock."""
        auto = MockTac(clock="virtual")
        auto.add_fault(fault="stuck", action="runTask")
        rid = run(auto, 4)["execRequestId"]
        before = auto.engine().clock.now()
        for _ in range(3):
            assert poll(auto, rid)["execBasicStatus"] == "RUNNING"
        assert auto.engine().clock.now() == before

    def test_stuck_released_by_running(self, mock: MockTac):
        """State ``running`` lets a stuck execution go on with its lifecycle."""
        mock.add_fault(fault="stuck", action="runTask")
        rid = run(mock, 1)["execRequestId"]
        mock.advance_clock(5)
        mock.set_execution_state(rid, "running")
        assert poll(mock, rid)["execDetailedStatus"] == "ENDED_OK"

    def test_stopped_after_seconds(self, mock: MockTac):
        """stopped ends the execution in error after its clock seconds."""
        mock.add_fault(fault="stopped", action="runTask", task=4, seconds=60)
        rid = run(mock, 4)["execRequestId"]
        mock.advance_clock(59)
        assert poll(mock, rid)["execBasicStatus"] == "RUNNING"
        mock.advance_clock(1)
        reply = poll(mock, rid)
        assert reply["execBasicStatus"] == "ERROR"
        assert reply["execDetailedStatus"] == "JOB_ERROR"
        assert reply["jobExitCode"] == 1

    def test_stopped_on_a_poll(self, mock: MockTac):
        """stopped on a poll stops that execution at once, exit code as given."""
        rid = run(mock, 4)["execRequestId"]
        mock.add_fault(fault="stopped", action="getTaskExecutionStatus", exit_code=143)
        reply = poll(mock, rid)
        assert reply["execBasicStatus"] == "ERROR"
        assert reply["jobExitCode"] == 143

    def test_restart_interrupts_a_synchronous_run(self, mock: MockTac):
        """A synchronous runTask whose execution a restart forgot answers 31."""
        replies: list[dict] = []
        worker = threading.Thread(
            target=lambda: replies.append(run(mock, 4, "synchronous"))
        )
        worker.start()
        deadline = time.monotonic() + 5
        while not mock.executions():
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert mock.restart() == 1
        worker.join(timeout=5)
        assert replies[0]["returnCode"] == 31
        assert replies[0]["error"] == "Thread interupted while running"


class TestScenarioFaults:
    """The ``faults:`` section of a scenario."""

    def test_fixture_scenario(self):
        """fixtures/scenarios/faults.yaml: the third runTask of task 1 fails."""
        mock = MockTac(ROOT / "fixtures/scenarios/faults.yaml", clock="virtual")
        codes = [run(mock, 1, "synchronous")["returnCode"] for _ in range(4)]
        assert codes == [0, 0, 30, 0]

    @pytest.mark.parametrize(
        ("fault", "path", "words"),
        [
            ({"fault": "explode"}, "faults[0].fault", "is not one of"),
            ({"fault": "http_error"}, "faults[0]", "'status' is a required"),
            ({"fault": "http_error", "status": 404}, "faults[0].status", "is not one"),
            ({"fault": "reset", "status": 500}, "faults[0].status", "does not apply"),
            (
                {"fault": "latency", "seconds": [3, 1]},
                "faults[0].seconds",
                "[min, max]",
            ),
            ({"fault": "reset", "probability": 2}, "faults[0].probability", "maximum"),
            ({"fault": "reset", "calls": 2}, "faults[0]", "unknown field"),
        ],
    )
    def test_invalid_rules_name_the_field(self, fault: dict, path: str, words: str):
        with pytest.raises(ScenarioError) as caught:
            parse_scenario({"faults": [fault]}, "bad.yaml")
        assert any(p == path and words in m for p, m in caught.value.problems), (
            caught.value.problems
        )

    def test_make_faults_reports_paths(self):
        with pytest.raises(FaultError) as caught:
            make_faults([{"fault": "reset"}, {"fault": "latency"}])
        assert caught.value.problems[0][0] == "faults[1]"


# -- transport faults, over a live server ---------------------------------------


@pytest.fixture
def server() -> Iterator[LiveServer]:
    with LiveServer(MockTac(clock="virtual")) as live:
        yield live


def send(server: LiveServer, timeout: float = 5, **params: Any) -> requests.Response:
    query = encode_request({**ADMIN, **params})
    return requests.get(f"{server.url}?{query}", timeout=timeout)


def executions(server: LiveServer) -> int:
    with server.mock.engine().store.transaction() as state:
        return len(state.executions)


class TestTransportFaults:
    """Transport faults happen in the HTTP layer, and are journaled."""

    @pytest.mark.parametrize(
        ("status", "content_type", "words"),
        [
            (500, "text/html;charset=utf-8", "HTTP Status 500 – Internal Server Error"),
            (502, "text/html", "502 Bad Gateway"),
            (503, "text/html", "503 Service Temporarily Unavailable"),
        ],
    )
    def test_http_error(self, server, status, content_type, words):
        """A 5xx with a non-JSON page; TAC never saw the request."""
        server.mock.add_fault(fault="http_error", status=status, action="runTask")
        response = send(server, actionName="runTask", taskId=1, mode="asynchronous")
        assert response.status_code == status
        assert response.reason in words
        assert response.headers["Content-Type"] == content_type
        assert words in response.text
        with pytest.raises(ValueError):
            response.json()
        assert executions(server) == 0
        entry = server.mock.journal().entries()[-1]
        assert entry.action == "runTask"
        assert entry.transport["faults"] == ["http_error"]
        assert entry.return_code is None

    def test_http_error_after_tac_answered(self, server):
        """reaches_tac: the run starts, the client still sees the 502."""
        server.mock.add_fault(fault="http_error", status=502, reaches_tac=True)
        response = send(server, actionName="runTask", taskId=1, mode="asynchronous")
        assert response.status_code == 502
        assert executions(server) == 1

    def test_connection_reset(self, server):
        server.mock.add_fault(fault="reset", action="help")
        with pytest.raises(requests.ConnectionError):
            send(server, actionName="help")
        assert send(server, actionName="listTasks").json()["returnCode"] == 0
        assert server.mock.journal().entries()[0].transport["faults"] == ["reset"]

    def test_hang_until_the_client_gives_up(self, server):
        server.mock.add_fault(fault="hang", call=1)
        with pytest.raises(requests.ReadTimeout):
            send(server, timeout=0.3, actionName="help")
        assert send(server, actionName="help").json()["returnCode"] == 0

    def test_hang_ends_when_faults_are_cleared(self, server):
        server.mock.add_fault(fault="hang")
        failures: list[Exception] = []

        def client() -> None:
            try:
                send(server, timeout=30, actionName="help")
            except requests.RequestException as exc:
                failures.append(exc)

        worker = threading.Thread(target=client)
        worker.start()
        deadline = time.monotonic() + 5
        while not server.mock.journal().entries():
            assert time.monotonic() < deadline
            time.sleep(0.01)
        server.mock.clear_faults()
        worker.join(timeout=10)
        assert not worker.is_alive()
        assert isinstance(failures[0], requests.ConnectionError)

    def test_truncated_body(self, server):
        """Half the reply, then the connection closes; the run did start."""
        server.mock.add_fault(fault="truncated", action="runTask")
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            send(server, actionName="runTask", taskId=1, mode="asynchronous")
        assert executions(server) == 1
        assert server.mock.journal().entries()[-1].return_code == 0

    @pytest.mark.parametrize(
        ("fault", "content_type", "check"),
        [
            ("not_json", "application/json;charset=UTF-8", "NullPointerException"),
            ("login_page", "text/html;charset=UTF-8", "j_password"),
            ("empty", "application/json;charset=UTF-8", ""),
        ],
    )
    def test_bodies_that_are_not_a_reply(self, server, fault, content_type, check):
        server.mock.add_fault(fault=fault)
        response = send(server, actionName="help")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == content_type
        assert check in response.text
        with pytest.raises(ValueError):
            response.json()

    def test_latency_delays_then_answers(self, server):
        server.mock.add_fault(fault="latency", seconds=0.3, action="help")
        started = time.monotonic()
        reply = send(server, actionName="help").json()
        assert time.monotonic() - started >= 0.29
        assert reply["returnCode"] == 0
        assert server.mock.journal().entries()[-1].transport["faults"] == ["latency"]

    def test_latency_range_is_drawn_from_its_seed(self):
        specs = make_faults({"fault": "latency", "seconds": [1, 2], "seed": 3})
        first, second = FaultSet(specs), FaultSet(specs)
        draws = [first.draw_seconds(first_rule) for first_rule in specs * 3]
        again = [second.draw_seconds(rule) for rule in specs * 3]
        assert draws == again
        assert all(1 <= d <= 2 for d in draws)

    def test_in_process_calls_ignore_transport_faults(self):
        mock = MockTac(clock="virtual")
        mock.add_fault(fault="http_error", status=503)
        assert mock.engine().call({"actionName": "help"})["returnCode"] == 0
