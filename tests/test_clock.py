"""Clocks end to end: virtual (auto or frozen), scaled, and the serve command."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from mock_tac import MockTac
from mock_tac.admin import AdminClient
from mock_tac.clock import ScaledClock, VirtualClock, make_clock
from mock_tac.protocol import encode_request
from mock_tac.server import LiveServer

ADMIN = {"authUser": "admin@company.com", "authPass": "admin"}
HOUR = 3600
NIGHTLY = 4  # the built-in scenario's one-hour job


def call(url: str, **params: Any) -> dict[str, Any]:
    query = encode_request({**ADMIN, **params})
    return requests.get(f"{url}?{query}", timeout=10).json()


@pytest.fixture
def auto_server() -> Iterator[LiveServer]:
    with LiveServer(MockTac(clock="virtual")) as server:
        yield server


class TestAutoVirtualClock:
    """An auto virtual clock jumps to what clients wait for."""

    def test_synchronous_hour_long_job(self, auto_server: LiveServer):
        """A synchronous one-hour run answers at once, reporting an hour."""
        clock = auto_server.mock.engine().clock
        before = clock.now()
        wall = time.monotonic()
        reply = call(
            auto_server.url, actionName="runTask", taskId=NIGHTLY, mode="synchronous"
        )
        assert time.monotonic() - wall < 2.0  # generous: a real run takes an hour
        assert reply["execDetailedStatus"] == "ENDED_OK"
        assert reply["executionTime"] == {"millis": HOUR * 1000, "seconds": HOUR}
        assert clock.now() == pytest.approx(before + HOUR)

    def test_polling_client(self, auto_server: LiveServer):
        """A poll that sees RUNNING moves the clock to the end: the next one sees it."""
        rid = call(
            auto_server.url, actionName="runTask", taskId=NIGHTLY, mode="asynchronous"
        )["execRequestId"]
        replies = []
        for _ in range(10):
            reply = call(
                auto_server.url, actionName="getTaskExecutionStatus", execRequestId=rid
            )
            replies.append(reply["execBasicStatus"])
            if "jobExitCode" in reply:
                break
        assert replies == ["RUNNING", "OK"]
        (execution,) = auto_server.mock.executions()
        assert execution["endedAt"] - execution["startedAt"] == pytest.approx(HOUR)

    def test_timestamps_follow_the_engine_clock(self):
        """execRequestId, journal times and executionTime all read the engine clock."""
        mock = MockTac(clock="virtual")
        clock = mock.engine().clock
        assert isinstance(clock, VirtualClock)
        clock.advance_to(2_000_000_000.0)  # 2033-05-18
        reply = mock.engine().call(
            {**ADMIN, "actionName": "runTask", "taskId": NIGHTLY, "mode": "synchronous"}
        )
        assert reply["execRequestId"].startswith("2000000000000_")
        (entry,) = mock.journal().entries()
        assert entry.time == 2_000_000_000.0
        assert entry.duration_ms == HOUR * 1000
        assert mock.executions()[0]["endedAt"] == 2_000_000_000.0 + HOUR


class TestFrozenVirtualClock:
    """A frozen clock moves only when told to."""

    @pytest.fixture
    def mock(self) -> MockTac:
        return MockTac(clock="virtual", clock_auto=False)

    def test_advance_by_amounts(self, mock: MockTac):
        engine = mock.engine()
        rid = engine.call(
            {
                **ADMIN,
                "actionName": "runTask",
                "taskId": NIGHTLY,
                "mode": "asynchronous",
            }
        )["execRequestId"]
        status = {**ADMIN, "actionName": "getTaskExecutionStatus", "execRequestId": rid}
        for _ in range(3):
            assert engine.call(status)["execBasicStatus"] == "RUNNING"
        mock.advance_clock(HOUR - 1)
        assert engine.call(status)["execBasicStatus"] == "RUNNING"
        mock.advance_clock(1)
        assert engine.call(status)["execBasicStatus"] == "OK"

    def test_synchronous_run_waits_for_the_clock(self, mock: MockTac):
        """A synchronous run on a frozen clock answers once the clock is moved."""
        replies: list[dict] = []
        run = {
            **ADMIN,
            "actionName": "runTask",
            "taskId": NIGHTLY,
            "mode": "synchronous",
        }
        worker = threading.Thread(
            target=lambda: replies.append(mock.engine().call(run))
        )
        worker.start()
        deadline = time.monotonic() + 5
        while not mock.executions():
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert replies == []
        mock.advance_clock(HOUR)
        worker.join(timeout=5)
        assert replies[0]["execDetailedStatus"] == "ENDED_OK"
        assert replies[0]["executionTime"]["seconds"] == HOUR

    def test_unfreeze_through_the_admin_api(self, mock: MockTac):
        with LiveServer(mock) as server:
            admin = AdminClient(server.base_url)
            assert admin.clock()["auto"] is False
            response = requests.post(
                f"{server.admin_url}/ns/default/clock", json={"auto": True}, timeout=5
            )
            assert response.json()["auto"] is True
            reply = call(
                server.url, actionName="runTask", taskId=NIGHTLY, mode="synchronous"
            )
            assert reply["executionTime"]["seconds"] == HOUR


def test_scaled_clock():
    """A clock 3600 times faster runs the hour-long job in about a second."""
    mock = MockTac(clock="scaled", clock_scale=36_000)
    wall = time.monotonic()
    reply = mock.engine().call(
        {**ADMIN, "actionName": "runTask", "taskId": NIGHTLY, "mode": "synchronous"}
    )
    assert time.monotonic() - wall < 5.0  # generous: 0.1 s of wall time expected
    assert reply["execDetailedStatus"] == "ENDED_OK"
    assert HOUR * 1000 <= reply["executionTime"]["millis"] < HOUR * 1000 * 1.5


def test_serve_with_a_frozen_virtual_clock():
    """``serve --clock virtual --clock-mode frozen``, moved by the admin API."""
    command = [
        sys.executable,
        "-m",
        "mock_tac.cli",
        "serve",
        "--port",
        "0",
        "--clock",
        "virtual",
        "--clock-mode",
        "frozen",
        "--quiet",
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    try:
        url = admin_url = None
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("MetaServlet endpoint: "):
                url = line.split(": ", 1)[1].strip()
            if line.startswith("admin API: "):
                admin_url = line.split(": ", 1)[1].strip()
                break
        assert url and admin_url
        rid = call(url, actionName="runTask", taskId=NIGHTLY, mode="asynchronous")[
            "execRequestId"
        ]
        status = {"actionName": "getTaskExecutionStatus", "execRequestId": rid}
        assert call(url, **status)["execBasicStatus"] == "RUNNING"
        moved = requests.post(
            f"{admin_url}/ns/default/clock", json={"advance": HOUR}, timeout=5
        )
        assert moved.status_code == 200
        assert call(url, **status)["execDetailedStatus"] == "ENDED_OK"
    finally:
        process.terminate()
        process.wait(timeout=10)


class TestClockSettings:
    """Clock settings that cannot work are refused when the mock is built."""

    @pytest.mark.parametrize("scale", [float("nan"), float("inf"), 0, -2.0])
    def test_bad_scale_is_refused(self, scale: float):
        with pytest.raises(ValueError, match="invalid clock scale"):
            make_clock("scaled", scale=scale)
        with pytest.raises(ValueError, match="invalid clock scale"):
            MockTac(clock="scaled", clock_scale=scale)
        with pytest.raises(ValueError, match="invalid clock scale"):
            ScaledClock(scale)

    @pytest.mark.parametrize("seconds", [float("nan"), float("inf")])
    def test_a_virtual_clock_moves_by_finite_amounts(self, seconds: float):
        clock = VirtualClock(start=100.0)
        with pytest.raises(ValueError):
            clock.advance(seconds)
        with pytest.raises(ValueError):
            clock.advance_to(seconds)
        assert clock.now() == 100.0
