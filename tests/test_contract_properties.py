"""The mock over generated requests: it answers everything, as documented."""

from __future__ import annotations

import json

import requests
from hypothesis import given, settings

from mock_tac import MockTac
from mock_tac.contract import strategies as tac
from mock_tac.contract import validate_reply, validate_request
from mock_tac.contract.inprocess import InProcessTac
from mock_tac.contract.strategies import WireRequest


def engine():
    return MockTac(clock="virtual").engine()


class TestWellFormedRequests:
    @given(tac.well_formed_requests())
    def test_are_decoded_to_what_was_sent(self, request: WireRequest) -> None:
        """Every encoding a real client uses decodes to the same parameters."""
        tac_engine = engine()

        tac_engine.handle_raw(request.raw, request.method)

        (entry,) = tac_engine.journal.entries()
        assert entry.params is not None, entry.reply
        assert entry.action == request.action
        assert entry.encoding["method"] == request.method

    @given(tac.well_formed_params())
    def test_keep_the_request_contract(self, params: dict) -> None:
        """The strategies and the schemas agree on what a good request is."""
        assert validate_request(params) == []

    @given(tac.well_formed_requests())
    def test_get_success_or_a_documented_code(self, request: WireRequest) -> None:
        reply = engine().handle_raw(request.raw, request.method).reply

        assert reply["returnCode"] in tac.documented_codes()
        assert reply["returnCode"] != 2, reply  # never "Invalid request"
        assert validate_reply(request.action, reply) == []


class TestMalformedRequests:
    @given(tac.malformed_requests())
    def test_get_a_json_error_with_a_non_zero_code(self, request: WireRequest) -> None:
        reply = engine().handle_raw(request.raw, request.method).reply

        assert reply["returnCode"] in tac.documented_codes() - {0}, request.defect
        assert isinstance(reply["error"], str) and reply["error"]
        assert validate_reply(None, reply, "error") == []

    @settings(max_examples=30)
    @given(tac.malformed_requests())
    def test_never_cause_a_server_error_over_http(self, request: WireRequest) -> None:
        """HTTP 200 and a JSON object, whatever arrives (no socket: in process)."""
        with InProcessTac(MockTac(clock="virtual")) as server:
            response = request.send(requests, server.url)

        assert response.status_code == 200, request.defect
        assert response.headers["Content-Type"].startswith("application/json")
        assert json.loads(response.text)["returnCode"] not in (0, None)


class TestGeneratedScenarios:
    @settings(max_examples=40)
    @given(tac.scenarios())
    def test_each_task_ends_as_its_scenario_says(self, scenario) -> None:
        """Synchronous runs end with the scripted outcome and keep the contract."""
        tac_engine = MockTac(scenario, clock="virtual").engine()

        for task in scenario.tasks:
            reply = tac_engine.call(
                {
                    "actionName": "runTask",
                    "authUser": tac.DEFAULT_USER,
                    "authPass": tac.DEFAULT_PASSWORD,
                    "taskId": task.id,
                    "mode": "synchronous",
                }
            )

            expected = task.lifecycle_for(1)
            assert validate_reply("runTask", reply, "sync") == []
            assert reply["jobExitCode"] == expected.exit_code
            assert reply["execBasicStatus"] == (
                "OK" if expected.outcome == "ok" else "ERROR"
            )
