"""Shared fixtures and settings for mock-tac's own tests."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, settings

from mock_tac import MockTac, parse_scenario
from mock_tac.protocol import encode_request
from mock_tac.server import LiveServer

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=50,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("deep", deadline=None, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent
ADMIN = {"authUser": "admin@company.com", "authPass": "admin"}

#: A scenario whose jobs end in a fraction of a second, for live flows.
QUICK_SCENARIO = {
    "users": [{"login": "admin@company.com", "password": "admin"}],
    "tasks": [
        {"id": 1, "label": "quick_ok", "lifecycle": {"phases": [{"seconds": 0.3}]}},
        {
            "id": 2,
            "label": "quick_error",
            "lifecycle": {"phases": [{"seconds": 0.3}], "outcome": "error"},
        },
        {
            "id": 3,
            "label": "counted",
            "lifecycle": {"phases": [{"polls": 2}], "outcome": "error", "exit_code": 4},
        },
        {
            "id": 4,
            "label": "second_time_lucky",
            "lifecycle": {"phases": [{"seconds": 0.1}]},
            "runs": [{"run": 1, "outcome": "error", "exit_code": 9}],
        },
        {
            "id": 5,
            "label": "parallel",
            "concurrent": True,
            "lifecycle": {"phases": [{"seconds": 0.2}]},
        },
    ],
}


@pytest.fixture
def quick_mock() -> MockTac:
    """A mock on the quick scenario, wall clock."""
    return MockTac(parse_scenario(QUICK_SCENARIO, "quick"))


@pytest.fixture
def quick_server(quick_mock: MockTac) -> Iterator[LiveServer]:
    with LiveServer(quick_mock) as server:
        yield server


Caller = Callable[..., dict[str, Any]]


@pytest.fixture
def call(quick_server: LiveServer) -> Caller:
    """Send parameters to the quick server (GET, standard Base64); return the reply."""
    return make_caller(quick_server.url)


def make_caller(url: str) -> Caller:
    def send(action: str, method: str = "GET", **params: Any) -> dict[str, Any]:
        body = {"actionName": action, **ADMIN, **params}
        encoded = encode_request(body)
        if method == "GET":
            response = requests.get(f"{url}?{encoded}", timeout=30)
        else:
            response = requests.post(url, data=encoded, timeout=30)
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"] == "application/json;charset=UTF-8"
        return response.json()

    return send
