"""help: generated from the registry, in the layout real clients parse."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import requests

from mock_tac import MockTac
from mock_tac.engine import Engine
from mock_tac.registry import COMMANDS
from mock_tac.server import LiveServer

CODE_LINE = re.compile(r"^\s*(\d+): (.+)$")


def help_of(engine: Engine, **params: Any) -> dict[str, Any]:
    return engine.call({"actionName": "help", **params})


def listed_names(text: str) -> list[str]:
    """What a real client takes from the listing: the word after each '*'."""
    return [
        line.split()[1] for line in text.splitlines() if line.lstrip().startswith("*")
    ]


def parse_block(text: str) -> dict[str, Any]:
    """Parse one command block the way a real client does."""
    parsed: dict[str, Any] = {"codes": {}}
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.strip().startswith("Command:"):
            parsed["name"] = line.split(":", 1)[1].strip()
        elif line.startswith("Requires authentication :"):
            parsed["auth"] = line.split(":", 1)[1].strip() == "true"
        elif line.startswith("Sample"):
            sample_lines = []
            index += 1
            while (
                index < len(lines)
                and lines[index].strip()
                and not lines[index].startswith("Specific error codes")
            ):
                sample_lines.append(lines[index])
                index += 1
            parsed["sample"] = json.loads("\n".join(sample_lines))
            continue
        elif line.startswith("Specific error codes"):
            index += 1
            while index < len(lines) and CODE_LINE.match(lines[index]):
                code, message = CODE_LINE.match(lines[index]).groups()
                parsed["codes"][int(code)] = message
                index += 1
            continue
        index += 1
    return parsed


class TestListing:
    def test_lists_every_registered_command_as_a_client_reads_it(self) -> None:
        reply = help_of(Engine())
        assert reply["returnCode"] == 0
        names = listed_names(reply["help"])
        assert names == sorted(COMMANDS)
        assert {"runTask", "getTaskIdByName", "taskLog", "help"} <= set(names)

    def test_starts_with_the_generic_return_codes(self) -> None:
        text = help_of(Engine())["help"]
        assert text.splitlines()[0].startswith("Generic return codes")
        generic = {}
        for line in text.splitlines()[1:]:
            match = CODE_LINE.match(line)
            if not match:
                break
            generic[int(match.group(1))] = match.group(2)
        assert generic[0] == "Success"
        assert generic[3] == "Authentication error"
        assert generic[7] == "Insufficient right"

    def test_needs_no_credentials_and_ignores_wrong_ones(self) -> None:
        reply = help_of(Engine(), authUser="nobody", authPass="wrong")
        assert reply["returnCode"] == 0


class TestCommandBlocks:
    @pytest.mark.parametrize("name", sorted(COMMANDS))
    def test_each_block_parses_back_to_the_registry(self, name: str) -> None:
        engine = Engine()
        reply = help_of(engine, commandName=name)
        assert reply["returnCode"] == 0
        parsed = parse_block(reply["help"])
        command = COMMANDS[name]
        assert parsed["name"] == name
        assert parsed["auth"] == command.requires_auth
        assert parsed["sample"]["actionName"] == name
        answered = engine.dialect.answers
        assert parsed["codes"] == {
            code: text for code, text in command.error_codes.items() if answered(code)
        }

    def test_block_layout(self) -> None:
        lines = help_of(Engine(), commandName="requestDeploy")["help"].splitlines()
        assert lines[:3] == ["-" * 58, "  Command: requestDeploy", "-" * 58]
        assert "Since                   : 5.0" in lines
        assert "Requires rights         : Job conductor management" in lines
        assert lines[lines.index("Sample                  : ") + 1] == "{"
        assert lines[-2:] == [
            "Specific error codes    : ",
            "       170: Error while deploying the task",
        ]

    def test_all_prints_every_block_after_the_generic_codes(self) -> None:
        text = help_of(Engine(), commandName="all")["help"]
        assert text.startswith("Generic return codes")
        names = re.findall(r"^  Command: (\S+)$", text, flags=re.MULTILINE)
        assert names == sorted(COMMANDS)
        blocks = text.split("-" * 58 + "\n  Command: ")[1:]
        for block in blocks:
            parsed = parse_block("  Command: " + block)
            assert parsed["sample"]["actionName"] == parsed["name"]

    def test_unknown_command_is_code_5_naming_it(self) -> None:
        reply = help_of(Engine(), commandName="makeCoffee")
        assert reply["returnCode"] == 5
        assert "makeCoffee" in reply["error"]
        assert "help" not in reply

    def test_command_name_must_be_a_string(self) -> None:
        assert help_of(Engine(), commandName=["runTask"])["returnCode"] == 5


class TestDialects:
    def test_rights_only_in_8_0(self) -> None:
        for version, shown in [("8.0", True), ("7.3", False), ("5.6", False)]:
            text = help_of(Engine(dialect=version), commandName="all")["help"]
            assert ("Requires rights" in text) is shown, version

    def test_generic_code_7_from_6_3_on(self) -> None:
        assert "7: Insufficient right" not in help_of(Engine(dialect="5.6"))["help"]
        assert "7: Insufficient right" in help_of(Engine(dialect="6.3"))["help"]

    @pytest.mark.parametrize(
        ("version", "listed"),
        [("5.4", True), ("5.6", True), ("6.3", False), ("7.3", False), ("8.0", False)],
    )
    def test_code_79_is_listed_exactly_where_a_miss_answers_it(
        self, version: str, listed: bool
    ) -> None:
        """A client's error table built from help holds the code a miss answers."""
        engine = Engine(dialect=version)
        text = help_of(engine, commandName="getTaskIdByName")["help"]
        codes = parse_block(text)["codes"]
        assert (79 in codes) is listed
        miss = engine.call(
            {
                "actionName": "getTaskIdByName",
                "authUser": "admin@company.com",
                "authPass": "admin",
                "taskName": "no_such_task",
                "label": "no_such_task",
            }
        )
        assert (miss["returnCode"] == 79) is listed
        assert miss["returnCode"] in (*codes, 5)
        assert (
            "79: No task with input name." in help_of(engine, commandName="all")["help"]
        ) is listed

    def test_commands_newer_than_the_version_are_not_listed(self) -> None:
        names = listed_names(help_of(Engine(dialect="5.4"))["help"])
        assert "getTaskExecutionStatus" not in names
        assert "deleteTask" not in names
        assert "runTask" in names
        reply = help_of(Engine(dialect="5.4"), commandName="getTaskExecutionStatus")
        assert reply["returnCode"] == 5


def test_documented_help_url_over_http() -> None:
    """The help URL of TAC's documentation reaches help (userExist is not emulated)."""
    encoded = "eyJhY3Rpb25OYW1lIjoiaGVscCIsImNvbW1hbmROYW1lIjoidXNlckV4aXN0In0="
    with LiveServer(MockTac()) as server:
        documented = requests.get(f"{server.url}?{encoded}", timeout=10).json()
        listing = requests.get(f"{server.url}?eyJhY3Rpb25OYW1lIjoiaGVscCJ9", timeout=10)
    assert documented["returnCode"] == 5
    assert "userExist" in documented["error"]
    assert listed_names(listing.json()["help"]) == sorted(COMMANDS)
