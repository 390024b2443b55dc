"""The contract suite passes against a live mock, reached only through its URL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mock_tac import MockTac
from mock_tac.server import LiveServer

ROOT = Path(__file__).resolve().parent.parent


def run_suite(*options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "contract_tests",
            "-q",
            "-p",
            "no:cacheprovider",
            *options,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_suite_passes_against_a_live_mock_over_http() -> None:
    with LiveServer(MockTac(clock="virtual")) as server:
        done = run_suite("--tac-url", server.url, "--tac-poll-interval", "0.05")

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout


def test_the_suite_fails_against_a_server_that_breaks_the_contract() -> None:
    """Pointed at a mock whose password is not the one given, refusals abound."""
    with LiveServer(MockTac(clock="virtual")) as server:
        done = run_suite(
            "--tac-url",
            server.url,
            "--tac-password",
            "not-the-password",
            "-x",
            "-k",
            "synchronous_run_of_the_ok_task",
        )

    assert done.returncode == 1
    assert "expected 0 (a successful reply), got 3" in done.stdout
    assert "(per runTask.reply.sync.json)" in done.stdout
    assert "(per )" not in done.stdout
