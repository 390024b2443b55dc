"""The README's shell session runs as written against a live server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from mock_tac import MockTac
from mock_tac.server import LiveServer

from .conftest import ROOT

README = (ROOT / "README.md").read_text()


def readme_session() -> str:
    match = re.search(r"<!-- readme-session -->\n```sh\n(.*?)```", README, re.S)
    assert match, "the README lost its marked shell session"
    return match.group(1)


@pytest.mark.skipif(not shutil.which("curl"), reason="the session needs curl")
def test_readme_curl_session_runs_tasks_1_and_2() -> None:
    """Task 1 is polled to ENDED_OK/0, task 2 to JOB_ERROR/1, as the README shows."""
    with LiveServer(MockTac()) as server:
        result = subprocess.run(
            ["bash", "-c", readme_session()],
            env={**os.environ, "TAC": server.url},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 0, result.stderr
    lines = dict(
        line.split(": ", 1) for line in result.stdout.splitlines() if ": {" in line
    )
    assert '"execDetailedStatus":"ENDED_OK"' in lines["status 1"]
    assert '"jobExitCode":0' in lines["status 1"]
    assert '"execDetailedStatus":"JOB_ERROR"' in lines["status 2"]
    assert '"jobExitCode":1' in lines["status 2"]
    assert '"returnCode":0' in lines["runTask 1"]


def test_readme_names_both_setup_commands() -> None:
    assert ".venv/bin/pip install . && .venv/bin/mock-tac serve" in README
    assert "./run-tests" in README
    assert "./run-tests" in (ROOT / ".ci" / "run").read_text()
    assert "--tac-url" in (ROOT / "run-tests").read_text()
