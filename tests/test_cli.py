"""`mock-tac serve` as a user runs it: start, serve, log, stop."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from mock_tac.protocol import encode_request

from .conftest import ADMIN

SERVE = [
    sys.executable,
    "-m",
    "mock_tac",
    "serve",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
]


class Served:
    def __init__(self, process: subprocess.Popen, url: str, banner: list[str]) -> None:
        self.process = process
        self.url = url
        self.banner = banner

    def get(self, params: dict) -> dict:
        return requests.get(f"{self.url}?{encode_request(params)}", timeout=10).json()


def start(*extra: str) -> Served:
    process = subprocess.Popen(
        [*SERVE, *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    banner = []
    for _ in range(10):
        line = process.stdout.readline()
        banner.append(line)
        if line.startswith("MetaServlet endpoint: "):
            return Served(process, line.split(": ", 1)[1].strip(), banner)
    process.kill()
    raise AssertionError(f"no endpoint line: {banner} {process.stderr.read()}")


@pytest.fixture
def served() -> Iterator[Served]:
    server = start()
    yield server
    if server.process.poll() is None:
        server.process.kill()
        server.process.wait(5)


def test_serve_prints_endpoint_and_logs_each_request(served: Served) -> None:
    assert served.url.startswith("http://127.0.0.1:")
    assert served.url.endswith("/org.talend.administrator/metaServlet")
    run = {"actionName": "runTask", **ADMIN, "taskId": 1, "mode": "asynchronous"}
    started = served.get(run)
    assert started["returnCode"] == 0
    assert served.get({**run, "authPass": "wrong-secret"})["returnCode"] == 3

    served.process.send_signal(signal.SIGINT)
    out, err = served.process.communicate(timeout=10)
    assert served.process.returncode == 0
    assert "stopped" in out
    lines = [line for line in err.splitlines() if "runTask" in line]
    assert len(lines) == 2
    assert "task=1" in lines[0] and started["execRequestId"] in lines[0]
    assert "returnCode=0" in lines[0] and "returnCode=3" in lines[1]
    assert lines[0].rstrip().endswith("ms")
    assert "wrong-secret" not in err + out
    assert "'admin'" not in err and "authPass" not in err


def test_sigterm_stops_cleanly(served: Served) -> None:
    served.process.send_signal(signal.SIGTERM)
    out, _ = served.process.communicate(timeout=10)
    assert served.process.returncode == 0
    assert "stopped" in out


def test_invalid_scenario_is_refused_before_serving(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("tasks:\n  - id: 1\n    label: x\n    lifecycle: {outcome: maybe}\n")
    result = subprocess.run(
        [*SERVE, "--scenario", str(bad)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert f"{bad}: tasks[0].lifecycle.outcome: 'maybe' is not one of" in result.stderr
    assert "MetaServlet endpoint" not in result.stdout


def test_port_in_use_is_reported(served: Served) -> None:
    port = served.url.split(":")[2].split("/")[0]
    result = subprocess.run(
        [*SERVE[:-1], port], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 1
    assert "cannot listen" in result.stderr


def test_context_path_and_scenario_options(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "users: [{login: ci@x.org, password: pw}]\ntasks: [{id: 42, label: only}]\n"
    )
    server = start("--context-path", "tac", "--scenario", str(scenario))
    try:
        assert server.url.endswith("/tac/metaServlet")
        reply = server.get(
            {
                "actionName": "runTask",
                "authUser": "ci@x.org",
                "authPass": "pw",
                "taskId": 42,
                "mode": "asynchronous",
            }
        )
        assert reply["returnCode"] == 0
    finally:
        server.process.terminate()
        server.process.wait(10)


def test_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mock_tac", "--version"], capture_output=True, text=True
    )
    assert result.stdout.startswith("mock-tac 0.")


@pytest.mark.parametrize(
    "options, fragment",
    [
        (["--port", "70000"], "port must be 0 to 65535"),
        (["--port", "-1"], "port must be 0 to 65535"),
        (["--port", "http"], "port must be a whole number"),
        (["--threads", "0"], "threads must be 1 to 1024"),
        (["--clock", "scaled", "--clock-scale", "nan"], "positive number"),
        (["--clock", "scaled", "--clock-scale", "0"], "positive number"),
        (["--clock", "scaled"], "--clock scaled needs --clock-scale"),
        (["--clock-scale", "60"], "--clock-scale goes with --clock scaled"),
        (["--clock-mode", "frozen"], "--clock-mode goes with --clock virtual"),
        (["--host", "999.1.1.1"], "cannot serve on 999.1.1.1"),
        (["--admin-token", ""], "--admin-token must not be empty"),
        (["--admin-token", "  "], "--admin-token must not be empty"),
    ],
)
def test_bad_options_are_usage_errors(options: list[str], fragment: str) -> None:
    """Each bad option gets one clear line and exit 2, never a traceback."""
    result = subprocess.run(
        [*SERVE[:-2], *options] if "--port" in options else [*SERVE, *options],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr


def test_banner_shortens_long_task_lists(tmp_path: Path) -> None:
    tasks = "\n".join(f"  - {{id: {i}, label: t{i}}}" for i in range(1, 21))
    scenario = tmp_path / "many.yaml"
    scenario.write_text(f"tasks:\n{tasks}\n")
    server = start("--scenario", str(scenario))
    try:
        line = next(b for b in server.banner if b.startswith("scenario: "))
        assert "8=t8, ... 12 more" in line and "t9," not in line
    finally:
        server.process.terminate()
        server.process.wait(10)


def test_sigint_stops_a_server_started_with_sigint_ignored() -> None:
    """As when a script starts `mock-tac serve &` and later sends it SIGINT."""
    process = subprocess.Popen(
        SERVE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        for line in process.stdout:
            if line.startswith("Press Ctrl-C"):
                break
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=10)
        assert process.returncode == 0 and "stopped" in out
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
