"""The `mock-tac call` examples of docs/commands.md, run in order against a mock."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator

import pytest

from mock_tac import MockTac, cli
from mock_tac.server import LiveServer

from .conftest import ROOT

DOC = ROOT / "docs" / "commands.md"
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.DOTALL)


def examples() -> list[tuple[list[list[str]], dict | None]]:
    """Each sh block's `mock-tac call` commands, and the reply shown after it."""
    blocks = BLOCK.findall(DOC.read_text(encoding="utf-8"))
    found = []
    for index, (language, body) in enumerate(blocks):
        if language != "sh":
            continue
        joined = body.replace("\\\n", " ")
        commands = [
            shlex.split(line)[2:]
            for line in joined.splitlines()
            if line.startswith("mock-tac call ")
        ]
        if not commands:
            continue
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        shown = None
        if following is not None and following[0] == "json":
            shown = json.loads(following[1])
        found.append((commands, shown))
    return found


@pytest.fixture(scope="module")
def web_app_root() -> Iterator[str]:
    """One mock for the whole page: the examples build on each other."""
    with LiveServer(MockTac(clock="virtual")) as server:
        yield f"{server.base_url}/{server.mock.context_path}/"


def test_the_page_has_examples() -> None:
    assert len(examples()) >= 10


def test_examples_answer_as_shown(
    web_app_root: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for commands, shown in examples():
        for argv in commands:
            argv = [
                f"--tac-url={web_app_root}" if arg.startswith("--tac-url=") else arg
                for arg in argv
            ]
            assert cli.main(["call", *argv]) == 0, argv
            out = capsys.readouterr().out
        if "--help" in argv:
            assert "  Command: " in out
            continue
        reply = json.loads(out) if "-f" in argv else json.loads(out.splitlines()[0])
        expected = shown or {"returnCode": 0}
        assert reply["returnCode"] == expected["returnCode"], (argv, reply)
        if shown is not None:
            assert set(reply) - {"executionTime"} == set(shown), (argv, reply)
            for key in ("taskId", "taskName", "status", "errorStatus", "error"):
                if key in shown:
                    assert reply[key] == shown[key], (argv, key)
