"""Options and fixtures of the contract suite.

By default the suite checks the mock in process (no socket). With
``--tac-url`` it checks any live MetaServlet, mock or real TAC, using only
requests a real TAC answers: no mock-only control is ever sent.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from mock_tac import MockTac
from mock_tac.contract.inprocess import InProcessTac
from mock_tac.contract.strategies import WireRequest, encode

CANONICAL = {
    "method": "GET",
    "urlsafe": False,
    "padded": True,
    "percent": False,
    "wrap": 0,
    "json": "compact",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tac", "MetaServlet contract suite")
    group.addoption("--tac-url", help="metaServlet URL to check (default: the mock)")
    group.addoption("--tac-user", default="admin@company.com", help="TAC login")
    group.addoption("--tac-password", default="admin", help="its password")
    group.addoption(
        "--tac-ok-task", type=int, default=1, help="id of a task that ends OK, exit 0"
    )
    group.addoption(
        "--tac-fail-task", type=int, default=2, help="id of a task whose job fails"
    )
    group.addoption(
        "--tac-poll-interval", type=float, default=1.0, help="seconds between polls"
    )
    group.addoption(
        "--tac-poll-timeout", type=float, default=600.0, help="give up polling after"
    )


@dataclass
class Tac:
    """The MetaServlet under check, and how to talk to it."""

    url: str
    user: str
    password: str
    ok_task: int
    fail_task: int
    poll_interval: float
    poll_timeout: float
    session: Any = field(default_factory=requests.Session)

    @property
    def auth(self) -> dict[str, str]:
        return {"authUser": self.user, "authPass": self.password}

    def send_raw(self, request: WireRequest) -> requests.Response:
        """Send as-is; the HTTP response, whatever its status."""
        return request.send(self.session, self.url)

    def send(self, params: dict[str, Any], **style: Any) -> dict[str, Any]:
        """Encode (canonically unless told), send, and return the JSON reply.

        Fails the test unless the answer is HTTP 200 with a JSON object.
        """
        response = self.send_raw(encode(params, {**CANONICAL, **style}))
        assert response.status_code == 200, (response.status_code, response.text[:300])
        reply = response.json()
        assert isinstance(reply, dict), reply
        return reply

    def call(self, action: str, **params: Any) -> dict[str, Any]:
        """An authenticated request of ``action``."""
        return self.send({"actionName": action, **self.auth, **params})

    def poll_until_end(self, exec_request_id: str) -> list[dict[str, Any]]:
        """Every getTaskExecutionStatus reply until one carries jobExitCode."""
        replies = []
        deadline = time.monotonic() + self.poll_timeout
        while time.monotonic() < deadline:
            reply = self.call("getTaskExecutionStatus", execRequestId=exec_request_id)
            replies.append(reply)
            if reply.get("returnCode") != 0 or "jobExitCode" in reply:
                return replies
            time.sleep(self.poll_interval)
        pytest.fail(f"execution {exec_request_id} did not end in {self.poll_timeout} s")


@pytest.fixture(scope="session")
def tac(request: pytest.FixtureRequest) -> Iterator[Tac]:
    """The server under check: ``--tac-url``, or the mock in process."""
    config = request.config
    options = {
        "user": config.getoption("--tac-user"),
        "password": config.getoption("--tac-password"),
        "ok_task": config.getoption("--tac-ok-task"),
        "fail_task": config.getoption("--tac-fail-task"),
        "poll_timeout": config.getoption("--tac-poll-timeout"),
    }
    url = config.getoption("--tac-url")
    if url:
        yield Tac(url, poll_interval=config.getoption("--tac-poll-interval"), **options)
        return
    with InProcessTac(MockTac(clock="virtual")) as served:
        yield Tac(served.url, poll_interval=0.0, **options)
