"""The contract schemas: what they accept, what they refuse, and the mock keeps them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_tac import MockTac
from mock_tac.contract import (
    Contract,
    ContractViolation,
    SchemaError,
    check_reply,
    check_request,
    default_contract,
    validate_reply,
    validate_request,
)
from mock_tac.contract import strategies as tac

ADMIN = {"authUser": "admin@company.com", "authPass": "admin"}
GOLDEN = Path(__file__).resolve().parent.parent / "fixtures" / "golden"


def run_task(**params: object) -> dict:
    return {
        "actionName": "runTask",
        **ADMIN,
        "taskId": 1,
        "mode": "synchronous",
        **params,
    }


class TestRequests:
    @pytest.mark.parametrize(
        "params",
        [
            run_task(),
            run_task(taskId="8"),
            run_task(mode="asynchronous", context={"day": "2024-01-01"}),
            run_task(jvmParams=["-Xmx256m"], ignoredByTac=True),
            {"actionName": "getTaskExecutionStatus", **ADMIN, "execRequestId": "1_ab"},
        ],
    )
    def test_documented_requests_keep_the_contract(self, params: dict) -> None:
        assert validate_request(params) == []

    @pytest.mark.parametrize(
        ("params", "path", "words"),
        [
            (run_task(mode="async"), "mode", "expected one of"),
            (run_task(taskId=[1]), "taskId", "matches none of the allowed forms"),
            (run_task(taskId="one"), "taskId", "matches none"),
            ({"actionName": "runTask", **ADMIN, "mode": "synchronous"}, "", "'taskId'"),
            (
                {"actionName": "getTaskExecutionStatus", **ADMIN, "execRequestId": 7},
                "execRequestId",
                "expected string, got number 7",
            ),
            ({"actionName": "runTaskk", **ADMIN}, "actionName", "unknown command"),
            ({"authUser": "x"}, "", "'actionName'"),
        ],
    )
    def test_violations_name_the_field_and_the_value(
        self, params: dict, path: str, words: str
    ) -> None:
        violations = validate_request(params)

        assert any(v.path == path and words in v.message for v in violations), (
            violations
        )

    def test_a_violation_never_shows_the_password(self) -> None:
        with pytest.raises(ContractViolation) as raised:
            check_request(
                {"actionName": "runTask", "authUser": "a", "authPass": "s3cret"}
            )

        assert "s3cret" not in str(raised.value)
        assert "'taskId'" in str(raised.value)


class TestReplies:
    @pytest.mark.parametrize(
        ("name", "action", "variant"),
        [
            ("run_task_sync_ok.json", "runTask", "sync"),
            ("run_task_sync_error.json", "runTask", "sync"),
            ("run_task_async.json", "runTask", "async"),
            ("execution_status_running.json", "getTaskExecutionStatus", "running"),
            ("execution_status_job_error.json", "getTaskExecutionStatus", "ended"),
            ("authentication_error.json", "runTask", "error"),
        ],
    )
    def test_documented_replies_keep_the_contract(
        self, name: str, action: str, variant: str
    ) -> None:
        """The replies TAC's documentation shows, as the golden files hold them."""
        path = GOLDEN / name
        if not path.exists():
            pytest.skip(f"no golden file {name}")
        reply = json.loads(path.read_text("utf-8"))
        reply = reply.get("reply", reply)

        check_reply(action, reply, variant)

    def test_a_running_status_must_not_carry_job_exit_code(self) -> None:
        reply = {
            "execBasicStatus": "RUNNING",
            "execDetailedStatus": "RUNNING",
            "execDetailedStatusLabel": "Running...",
            "executionTime": {"millis": 1, "seconds": 0},
            "jobExitCode": 0,
            "returnCode": 0,
        }

        violations = validate_reply("getTaskExecutionStatus", reply, "running")

        assert [str(v) for v in violations] == [
            "the object: must not carry 'jobExitCode' "
            "(per getTaskExecutionStatus.reply.running.json)"
        ]

    def test_a_refusal_must_be_the_generic_error_reply(self) -> None:
        assert validate_reply("runTask", {"returnCode": 3, "executionTime": {}}) != []
        assert (
            validate_reply(
                "runTask",
                {
                    "error": "x",
                    "returnCode": 3,
                    "executionTime": {"millis": 0, "seconds": 0},
                },
            )
            == []
        )

    @pytest.mark.parametrize(
        ("action", "variant", "schema"),
        [
            ("runTask", "sync", "runTask.reply.sync.json"),
            ("getTaskStatus", "", "getTaskStatus.reply.json"),
            (None, "", "reply.json"),
        ],
    )
    def test_a_refusal_where_a_success_was_demanded_names_the_schema(
        self, action: str | None, variant: str, schema: str
    ) -> None:
        refusal = {
            "error": "Username or password is wrong",
            "executionTime": {"millis": 0, "seconds": 0},
            "returnCode": 3,
        }

        with pytest.raises(ContractViolation) as raised:
            check_reply(action, refusal, variant)

        assert (
            "field 'returnCode': expected 0 (a successful reply), got 3 "
            f'("Username or password is wrong") (per {schema})'
        ) in str(raised.value)
        assert "(per )" not in str(raised.value)

    def test_an_unknown_variant_is_a_usage_error(self) -> None:
        with pytest.raises(KeyError, match="'sync', 'async'|'async', 'sync'"):
            validate_reply("runTask", {"returnCode": 0}, "finished")


class TestSchemaFiles:
    def test_each_packaged_file_is_a_valid_schema(self) -> None:
        import jsonschema

        contract = default_contract()
        directory = Path(__import__("mock_tac.contract", fromlist=["x"]).__file__)
        for path in sorted((directory.parent / "schemas").glob("*.json")):
            jsonschema.Draft202012Validator.check_schema(contract.schema(path.name))

    def test_a_command_gains_a_contract_by_dropping_in_files(
        self, tmp_path: Path
    ) -> None:
        (tmp_path / "myCommand.request.json").write_text(
            json.dumps(
                {
                    "allOf": [{"$ref": "common.json#/$defs/authenticated"}],
                    "required": ["taskName"],
                    "properties": {"taskName": {"type": "string"}},
                }
            )
        )
        contract = Contract.extended(tmp_path)

        assert "myCommand" in contract.actions()
        assert "myCommand" not in default_contract().actions()
        bad = {"actionName": "myCommand", **ADMIN, "taskName": 3}
        assert [v.path for v in contract.validate_request(bad)] == ["taskName"]

    def test_a_missing_directory_is_an_error(self, tmp_path: Path) -> None:
        missing = tmp_path / "no" / "such" / "dir"

        with pytest.raises(SchemaError, match="does not exist") as raised:
            Contract.extended(missing)

        assert str(missing) in str(raised.value)

    def test_a_directory_without_schema_files_is_an_error(self, tmp_path: Path) -> None:
        (tmp_path / "notes.txt").write_text("not a schema")

        with pytest.raises(SchemaError, match=r"holds no schema files \(\*\.json\)"):
            Contract.extended(tmp_path)

    def test_a_file_is_not_a_directory(self, tmp_path: Path) -> None:
        schema = tmp_path / "myCommand.request.json"
        schema.write_text("{}")

        with pytest.raises(SchemaError, match="is not a directory"):
            Contract.extended(schema)

    def test_a_schema_that_is_not_json_names_its_file(self, tmp_path: Path) -> None:
        (tmp_path / "myCommand.request.json").write_text("{oops")

        with pytest.raises(SchemaError, match="myCommand.request.json"):
            Contract.extended(tmp_path)


class TestTheMockKeepsTheContract:
    """Every reply of a broad run validates against its action's schemas."""

    @settings(max_examples=60)
    @given(requests=st.lists(tac.well_formed_requests(), min_size=1, max_size=8))
    def test_every_journal_entry_reply_keeps_the_contract(self, requests) -> None:
        mock = MockTac(clock="virtual")
        engine = mock.engine()
        for request in requests:
            outcome = engine.handle_raw(request.raw, request.method)
            rid = outcome.reply.get("execRequestId")
            if (
                request.action == "runTask"
                and rid
                and "jobExitCode" not in outcome.reply
            ):
                for _ in range(4):  # follow the execution to its end
                    engine.call(
                        {
                            "actionName": "getTaskExecutionStatus",
                            **ADMIN,
                            "execRequestId": rid,
                        }
                    )

        for entry in engine.journal:
            check_reply(entry.action, entry.reply)
