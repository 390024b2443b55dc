"""The task commands besides runTask: lookup, status, lists, stop, triggers,
logs, generate/deploy and create/update/delete."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_tac import ScenarioError, parse_scenario
from mock_tac.clock import VirtualClock
from mock_tac.engine import Engine
from mock_tac.registry import COMMANDS, JOB_CONDUCTOR_MANAGEMENT, JOB_CONDUCTOR_READ

from .conftest import ADMIN, Caller

START = 1_700_000_000.0

SCENARIO = {
    "tasks": [
        {"id": 1, "label": "load", "lifecycle": {"phases": [{"seconds": 10}]}},
        {
            "id": 2,
            "label": "broken",
            "lifecycle": {"phases": [{"seconds": 5}], "outcome": "error"},
        },
        {"id": 3, "label": "counted", "lifecycle": {"phases": [{"polls": 2}]}},
        {
            "id": 4,
            "label": "undeployed",
            "deployment": {
                "state": "ready_to_generate",
                "generate_seconds": 4,
                "deploy_seconds": 6,
            },
        },
        {
            "id": 5,
            "label": "fragile_deploy",
            "deployment": {"state": "ready_to_deploy", "deploy_failures": 1},
        },
        {"id": 6, "label": "scheduled", "triggers": 2},
        {"id": 7, "label": "Load"},
    ]
}


def engine(version: str = "8.0", *, auto: bool = False) -> Engine:
    """A frozen virtual clock unless ``auto``: tests move time themselves."""
    clock = VirtualClock(start=START, auto=auto)
    return Engine(parse_scenario(SCENARIO), clock=clock, dialect=version)


def ask(e: Engine, action: str, **params: Any) -> dict[str, Any]:
    return e.call({"actionName": action, **ADMIN, **params})


def ok(e: Engine, action: str, **params: Any) -> dict[str, Any]:
    reply = ask(e, action, **params)
    assert reply["returnCode"] == 0, reply
    return reply


def run(e: Engine, task_id: int) -> str:
    return ok(e, "runTask", taskId=task_id, mode="asynchronous")["execRequestId"]


def status(e: Engine, task_id: int) -> dict[str, Any]:
    return ok(e, "getTaskStatus", taskId=task_id)


class TestTaskIdByName:
    def test_finds_the_id_by_task_name(self) -> None:
        assert ok(engine(), "getTaskIdByName", taskName="counted")["taskId"] == 3

    def test_reads_label_as_older_clients_send_it(self) -> None:
        assert ok(engine(), "getTaskIdByName", label="broken")["taskId"] == 2

    def test_match_is_exact_and_case_sensitive(self) -> None:
        e = engine()
        assert ok(e, "getTaskIdByName", taskName="Load")["taskId"] == 7
        assert ok(e, "getTaskIdByName", taskName="load")["taskId"] == 1
        assert ask(e, "getTaskIdByName", taskName="loa")["returnCode"] == 5

    def test_miss_is_code_5_naming_the_label_without_task_id(self) -> None:
        reply = ask(engine(), "getTaskIdByName", taskName="no_such_task")
        assert reply["returnCode"] == 5
        assert "no_such_task" in reply["error"]
        assert "taskId" not in reply

    def test_missing_name_is_an_invalid_parameter(self) -> None:
        reply = ask(engine(), "getTaskIdByName")
        assert reply["returnCode"] == 5
        assert "taskName" in reply["error"]

    def test_needs_credentials(self) -> None:
        e = engine()
        reply = e.call({"actionName": "getTaskIdByName", "taskName": "load"})
        assert reply["returnCode"] == 3


class TestNameByTaskId:
    def test_returns_the_label(self) -> None:
        assert ok(engine(), "getNameByTaskId", taskId="6")["taskName"] == "scheduled"

    def test_unknown_id_is_code_5(self) -> None:
        assert ask(engine(), "getNameByTaskId", taskId=99)["returnCode"] == 5


class TestTaskStatus:
    def test_follows_an_execution_back_to_ready_to_run(self) -> None:
        e = engine()
        assert status(e, 2)["status"] == "READY_TO_RUN"
        run(e, 2)
        running = status(e, 2)
        assert (running["status"], running["errorStatus"]) == ("RUNNING", "NO_ERROR")

        e.clock.advance(5)
        ended = status(e, 2)
        assert (ended["status"], ended["errorStatus"]) == ("READY_TO_RUN", "JOB_ERROR")

    def test_error_status_is_that_of_the_last_execution(self) -> None:
        e = engine()
        run(e, 1)
        e.clock.advance(10)
        assert status(e, 1)["errorStatus"] == "NO_ERROR"

    def test_polls_do_not_end_poll_counted_phases_from_5_6_on(self) -> None:
        e = engine("8.0")
        exec_request_id = run(e, 3)
        for _ in range(5):
            assert status(e, 3)["status"] == "RUNNING"
        reply = ok(e, "getTaskExecutionStatus", execRequestId=exec_request_id)
        assert reply["execBasicStatus"] == "RUNNING"

    def test_polls_end_poll_counted_phases_before_5_6(self) -> None:
        e = engine("5.4")
        reply = ok(e, "runTask", taskId=3, mode="asynchronous")
        assert "execRequestId" not in reply
        seen = [status(e, 3)["status"] for _ in range(3)]
        assert seen == ["RUNNING", "RUNNING", "READY_TO_RUN"]

    def test_auto_virtual_clock_lets_polling_reach_the_end(self) -> None:
        e = engine(auto=True)
        run(e, 1)
        seen = [status(e, 1)["status"] for _ in range(3)]
        assert seen[0] == "RUNNING"
        assert seen[-1] == "READY_TO_RUN"


class TestListTasks:
    def test_lists_every_task_with_string_values(self) -> None:
        tasks = ok(engine(), "listTasks")["result"]
        assert [t["id"] for t in tasks] == ["1", "2", "3", "4", "5", "6", "7"]
        for task in tasks:
            for key, value in task.items():
                assert value is None or isinstance(value, str), (key, value)

    def test_task_object_carries_tac_fields(self) -> None:
        task = ok(engine(), "listTasks")["result"][0]
        expected = {
            "label": "load",
            "status": "READY_TO_RUN",
            "errorStatus": "NO_ERROR",
            "triggersStatus": "NO_TRIGGER",
            "applicationType": "JOB",
            "contextName": "Default",
            "executionServerId": "JOB_SERVER_1",
            "onUnknownStateJob": "WAIT",
            "processingState": "false",
            "active": "true",
        }
        assert {k: task[k] for k in expected} == expected
        for key in ("remaingTimeForNextFire", "idQuartzJob", "lastRunDate"):
            assert key in task

    def test_reflects_a_running_task(self) -> None:
        e = engine()
        run(e, 1)
        task = ok(e, "listTasks")["result"][0]
        assert task["status"] == "RUNNING"
        assert task["processingState"] == "true"
        assert task["lastRunDate"] == time.strftime(
            "%Y-%m-%d %H:%M:%S.000", time.localtime(START)
        )
        assert task["lastEndedRunDate"] is None

    def test_related_to_jobs_lists_the_same_under_root(self) -> None:
        e = engine()
        assert ok(e, "getTasksRelatedToJobs")["root"] == ok(e, "listTasks")["result"]
        assert "result" not in ok(e, "getTasksRelatedToJobs")


class TestStopTask:
    def test_stops_a_running_execution_in_error(self) -> None:
        e = engine()
        exec_request_id = run(e, 1)
        e.clock.advance(2)
        assert ok(e, "stopTask", taskId=1) == {"returnCode": 0, **_time(e)}

        reply = ok(e, "getTaskExecutionStatus", execRequestId=exec_request_id)
        assert reply["execBasicStatus"] == "ERROR"
        assert reply["jobExitCode"] != 0
        assert status(e, 1) == {
            "status": "READY_TO_RUN",
            "errorStatus": "JOB_ERROR",
            "returnCode": 0,
            **_time(e),
        }

    def test_stop_ends_a_waiting_synchronous_run(self) -> None:
        e = engine()
        replies: list[dict[str, Any]] = []
        waiter = threading.Thread(
            target=lambda: replies.append(
                ask(e, "runTask", taskId=1, mode="synchronous")
            )
        )
        waiter.start()
        while status(e, 1)["status"] != "RUNNING":
            time.sleep(0.01)
        ok(e, "stopTask", taskId=1)
        waiter.join(timeout=10)
        assert not waiter.is_alive()
        reply = replies[0]
        assert (reply["execBasicStatus"], reply["errorStatus"]) == (
            "ERROR",
            "JOB_ERROR",
        )
        assert reply["status"] == "READY_TO_RUN"
        assert reply["jobExitCode"] != 0

    def test_stopped_task_can_run_again(self) -> None:
        e = engine()
        run(e, 1)
        ok(e, "stopTask", taskId=1)
        assert ok(e, "runTask", taskId=1, mode="asynchronous")["execRequestId"]

    def test_idle_task_is_left_alone(self) -> None:
        e = engine()
        run(e, 1)
        e.clock.advance(10)
        ok(e, "stopTask", taskId=1)
        assert status(e, 1)["errorStatus"] == "NO_ERROR"

    def test_unknown_task_is_code_5(self) -> None:
        assert ask(engine(), "stopTask", taskId=42)["returnCode"] == 5


class TestTriggers:
    @pytest.mark.parametrize("pause", ["pauseTask", "requestPauseTriggers"])
    def test_pause_and_resume_show_in_triggers_status(self, pause: str) -> None:
        e = engine()
        assert _listed(e, 6)["triggersStatus"] == "NORMAL"
        ok(e, pause, taskId=6)
        assert _listed(e, 6)["triggersStatus"] == "PAUSED"
        ok(e, "requestResumeTriggers", taskId=6)
        assert _listed(e, 6)["triggersStatus"] == "NORMAL"

    def test_pausing_does_not_pause_a_running_execution(self) -> None:
        e = engine()
        run(e, 1)
        ok(e, "pauseTask", taskId=1)
        assert status(e, 1)["status"] == "RUNNING"

    def test_task_without_triggers_stays_no_trigger(self) -> None:
        e = engine()
        ok(e, "pauseTask", taskId=1)
        assert _listed(e, 1)["triggersStatus"] == "NO_TRIGGER"


class TestTaskLog:
    def test_log_has_started_and_ended_lines_of_each_execution(self) -> None:
        e = engine()
        run(e, 1)
        e.clock.advance(10)
        run(e, 2)
        e.clock.advance(5)
        log = ok(e, "taskLog", taskId=1)["result"]
        assert log.splitlines() == [
            f"### Job STARTED  at {_banner(START)} {_ids(log)} ###",
            f"### Job ENDED SUCCESSFULLY  at {_banner(START + 10)} {_ids(log)} ###",
        ]
        failed = ok(e, "taskLog", taskId=2)["result"]
        assert f"### Job ENDED WITH ERROR  at {_banner(START + 15)}" in failed

    def test_running_execution_has_only_its_started_line(self) -> None:
        e = engine()
        run(e, 1)
        lines = ok(e, "taskLog", taskId=1)["result"].splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("### Job STARTED")

    def test_last_execution_only(self) -> None:
        e = engine()
        for _ in range(3):
            run(e, 1)
            e.clock.advance(100)
        assert ok(e, "taskLog", taskId=1)["result"].count("STARTED") == 3
        last = ok(e, "taskLog", taskId=1, lastExecution=True)["result"]
        assert last.count("STARTED") == 1
        assert _banner(START + 200) in last
        assert ok(e, "taskLog", taskId=1, lastExecution="true")["result"] == last

    def test_time_range_chooses_executions(self) -> None:
        e = engine()
        for _ in range(3):
            run(e, 1)
            e.clock.advance(100)
        reply = ok(
            e,
            "taskLog",
            taskId=1,
            lastExecution=False,
            startTime=_date(START + 50),
            endTime=_date(START + 150),
        )
        assert reply["result"].count("STARTED") == 1
        assert _banner(START + 100) in reply["result"]

    def test_start_after_end_is_code_225(self) -> None:
        reply = ask(
            engine(),
            "taskLog",
            taskId=1,
            startTime="2024-10-23 16:50:52",
            endTime="2024-10-23 16:49:17",
        )
        assert reply["returnCode"] == 225
        assert "date range is illegal" in reply["error"]

    @pytest.mark.parametrize("bad", ["2024/10/23 16:49:17", "yesterday", 17, True])
    def test_unparsable_date_is_code_226(self, bad: Any) -> None:
        reply = ask(engine(), "taskLog", taskId=1, startTime=bad)
        assert reply["returnCode"] == 226
        assert "startTime" in reply["error"]

    def test_task_never_run_has_an_empty_log(self) -> None:
        assert ok(engine(), "taskLog", taskId=1)["result"] == ""

    @pytest.mark.parametrize("bad", ["maybe", "", 1, []])
    def test_bad_last_execution_flag_is_code_5(self, bad: Any) -> None:
        reply = ask(engine(), "taskLog", taskId=1, lastExecution=bad)
        assert reply["returnCode"] == 5
        assert "'lastExecution'" in reply["error"]

    @pytest.mark.parametrize("name", ["startTime", "endTime"])
    def test_empty_date_is_code_226_not_absent(self, name: str) -> None:
        reply = ask(engine(), "taskLog", taskId=1, **{name: ""})
        assert reply["returnCode"] == 226
        assert f'{name}=""' in reply["error"]

    def test_null_dates_and_flag_are_absent(self) -> None:
        reply = ok(engine(), "taskLog", taskId=1, lastExecution=None, startTime=None)
        assert reply["result"] == ""


class TestGenerateAndDeploy:
    def test_deploy_generates_then_deploys_to_ready_to_run(self) -> None:
        e = engine()
        assert status(e, 4)["status"] == "READY_TO_GENERATE"
        ok(e, "requestDeploy", taskId=4)
        assert status(e, 4)["status"] == "GENERATING"
        e.clock.advance(4)
        assert status(e, 4)["status"] == "DEPLOYING"
        e.clock.advance(6)
        assert status(e, 4)["status"] == "READY_TO_RUN"
        listed = _listed(e, 4)
        assert listed["lastScriptGenerationDate"].startswith(_date(START + 4))
        assert listed["lastDeploymentDate"].startswith(_date(START + 10))

    def test_generate_leaves_the_task_ready_to_send(self) -> None:
        e = engine()
        ok(e, "requestGenerate", taskId=4)
        assert _listed(e, 4)["processingState"] == "true"
        e.clock.advance(4)
        assert status(e, 4)["status"] == "READY_TO_SEND"
        ok(e, "requestDeploy", taskId=4)
        assert status(e, 4)["status"] == "DEPLOYING"

    def test_scripted_deploy_failure_is_code_170_then_deploy_works(self) -> None:
        e = engine()
        reply = ask(e, "requestDeploy", taskId=5)
        assert reply["returnCode"] == 170
        assert reply["error"].startswith("Error while deploying the task")
        assert status(e, 5)["status"] == "READY_TO_SEND"
        ok(e, "requestDeploy", taskId=5)
        e.clock.advance(1)
        assert status(e, 5)["status"] == "READY_TO_RUN"

    def test_listed_dates_match_the_archive_file(self) -> None:
        """A task listing an archive file lists when it was generated (and deployed)."""
        e = engine()
        e.clock.advance(30)
        for task_id, deployed in [(1, True), (5, False)]:
            listed = _listed(e, task_id)
            assert listed["jobscriptarchivefilename"]
            assert listed["lastScriptGenerationDate"].startswith(_date(START + 30))
            assert (listed["lastDeploymentDate"] is not None) is deployed
        fresh = _listed(e, 4)
        assert fresh["jobscriptarchivefilename"] is None
        assert fresh["lastScriptGenerationDate"] is None
        assert fresh["lastDeploymentDate"] is None
        e.clock.advance(5)
        task_id = ok(e, "createTask", taskName="new", projectName="P", jobName="j")[
            "taskId"
        ]
        e.clock.advance(5)
        listed = _listed(e, task_id)
        assert listed["jobscriptarchivefilename"] == "j_0.1.zip"
        assert listed["lastScriptGenerationDate"].startswith(_date(START + 35))
        assert listed["lastDeploymentDate"].startswith(_date(START + 35))

    def test_a_run_during_generation_cuts_it_short(self) -> None:
        """The run generates and deploys the job itself, at its start."""
        e = engine()
        ok(e, "requestDeploy", taskId=4)
        e.clock.advance(1)
        run(e, 4)
        listed = _listed(e, 4)
        assert listed["status"] == "RUNNING"
        assert listed["lastScriptGenerationDate"].startswith(_date(START + 1))
        assert listed["lastDeploymentDate"].startswith(_date(START + 1))
        e.clock.advance(10)
        assert status(e, 4)["status"] == "READY_TO_RUN"

    def test_a_run_leaves_the_task_deployed(self) -> None:
        e = engine()
        run(e, 4)
        assert status(e, 4)["status"] == "RUNNING"
        e.clock.advance(2)
        assert status(e, 4)["status"] == "READY_TO_RUN"


class TestCreateUpdateDelete:
    def test_create_if_missing_then_run(self) -> None:
        e = engine()
        name = "nightly_export"
        assert ask(e, "getTaskIdByName", taskName=name)["returnCode"] == 5
        created = ok(
            e,
            "createTask",
            taskName=name,
            projectName="DWH",
            jobName="export",
            jobVersion="1.2",
            executionServerName="serv1",
            active=True,
            onUnknownStateJob="KILL_TASK",
            timeout="3600",
        )
        task_id = created["taskId"]
        assert task_id == 8
        assert ok(e, "getTaskIdByName", taskName=name)["taskId"] == task_id
        assert status(e, task_id)["status"] == "READY_TO_RUN"

        listed = _listed(e, task_id)
        assert (listed["projectName"], listed["applicationName"]) == ("DWH", "export")
        assert (listed["applicationVersion"], listed["timeOut"]) == ("1.2", "3600")
        assert listed["onUnknownStateJob"] == "KILL_TASK"
        assert listed["executionServerId"] == "serv1"

        exec_request_id = run(e, task_id)
        e.clock.advance(60)
        reply = ok(e, "getTaskExecutionStatus", execRequestId=exec_request_id)
        assert reply["execDetailedStatus"] == "ENDED_OK"

    def test_create_refuses_a_taken_name_and_missing_fields(self) -> None:
        e = engine()
        taken = ask(e, "createTask", taskName="load", projectName="P", jobName="j")
        assert taken["returnCode"] == 5
        assert "load" in taken["error"]
        missing = ask(e, "createTask", taskName="x", projectName="P")
        assert missing["returnCode"] == 5
        assert "jobName" in missing["error"]

    def test_create_refuses_an_unknown_on_unknown_state_rule(self) -> None:
        reply = ask(
            engine(),
            "createTask",
            taskName="x",
            projectName="P",
            jobName="j",
            onUnknownStateJob="PANIC",
        )
        assert reply["returnCode"] == 5
        assert "PANIC" in reply["error"]

    @pytest.mark.parametrize("action", ["createTask", "updateTask"])
    @pytest.mark.parametrize(
        ("name", "value", "shown"),
        [
            ("branch", {"a": 1}, '{"a":1}'),
            ("branch", [], "[]"),
            ("branch", True, "true"),
            ("jobVersion", False, "false"),
            ("contextName", ["Prod"], '["Prod"]'),
            ("executionServerName", {}, "{}"),
        ],
    )
    def test_text_fields_refuse_other_json_types(
        self, action: str, name: str, value: Any, shown: str
    ) -> None:
        """Every text field answers 5 for a boolean, array or object, branch too."""
        e = engine()
        target = {"taskId": 1} if action == "updateTask" else {}
        fields = {"taskName": "fresh", "projectName": "P", "jobName": "j"}
        reply = ask(e, action, **target, **fields, **{name: value})
        assert (reply["returnCode"], reply["error"]) == (
            5,
            f"Invalid parameter '{name}': expected a string, got {shown}",
        )
        assert [t["label"] for t in ok(e, "listTasks")["result"]].count("fresh") == 0

    @pytest.mark.parametrize(
        ("name", "fragment"),
        [
            ("active", 'expected true or false, got ""'),
            ("pauseOnError", 'expected true or false, got ""'),
            ("timeout", 'expected a number of seconds, got ""'),
            ("onUnknownStateJob", '"" is not one of'),
            ("branch", "it is empty"),
        ],
    )
    def test_empty_string_is_a_value_not_an_absent_field(
        self, name: str, fragment: str
    ) -> None:
        e = engine()
        fields = {"taskName": "fresh", "projectName": "P", "jobName": "j"}
        reply = ask(e, "createTask", **fields, **{name: ""})
        assert reply["returnCode"] == 5
        assert f"'{name}'" in reply["error"] and fragment in reply["error"]
        assert ask(e, "updateTask", taskId=1, **{name: ""})["returnCode"] == 5

    def test_null_fields_are_not_given(self) -> None:
        e = engine()
        ok(e, "updateTask", taskId=1, active=None, branch=None, timeout=None)
        listed = _listed(e, 1)
        assert (listed["active"], listed["branch"]) == ("true", "trunk")

    def test_update_context_is_ignored_but_must_be_an_object(self) -> None:
        e = engine()
        ok(e, "updateTask", taskId=1, context={"db": "prod"})
        reply = ask(e, "updateTask", taskId=1, context="db=prod")
        assert reply["returnCode"] == 5
        assert "'context'" in reply["error"]

    def test_numbers_in_text_fields_are_kept_as_their_json_text(self) -> None:
        e = engine()
        ok(e, "updateTask", taskId=1, branch=1e308, jobVersion=2)
        listed = _listed(e, 1)
        assert (listed["branch"], listed["applicationVersion"]) == ("1e+308", "2")

    def test_update_changes_only_given_fields(self) -> None:
        e = engine()
        ok(e, "updateTask", taskId=2, taskName="repaired", contextName="Prod")
        listed = _listed(e, 2)
        assert (listed["label"], listed["contextName"]) == ("repaired", "Prod")
        assert listed["projectName"] == "DEMO"
        assert ask(e, "getTaskIdByName", taskName="broken")["returnCode"] == 5

    def test_update_cannot_take_another_tasks_name(self) -> None:
        reply = ask(engine(), "updateTask", taskId=2, taskName="load")
        assert reply["returnCode"] == 5

    def test_update_unknown_task_is_code_5(self) -> None:
        assert ask(engine(), "updateTask", taskId=99, taskName="x")["returnCode"] == 5

    def test_delete_then_unknown(self) -> None:
        e = engine()
        ok(e, "deleteTask", taskId=7)
        assert ask(e, "deleteTask", taskId=7)["returnCode"] == 5
        assert ask(e, "getNameByTaskId", taskId=7)["returnCode"] == 5
        assert "7" not in [t["id"] for t in ok(e, "listTasks")["result"]]

    def test_delete_while_processing_is_code_230(self) -> None:
        e = engine()
        run(e, 1)
        reply = ask(e, "deleteTask", taskId=1)
        assert reply["returnCode"] == 230
        assert "processing" in reply["error"]
        ok(e, "requestGenerate", taskId=4)
        assert ask(e, "deleteTask", taskId=4)["returnCode"] == 230

    def test_delete_keeps_executions_unless_asked(self) -> None:
        e = engine()
        kept = run(e, 1)
        forgotten = run(e, 2)
        e.clock.advance(10)
        ok(e, "deleteTask", taskId=1)
        ok(e, "deleteTask", taskId=2, deleteAllRelatedData=True)
        assert ok(e, "getTaskExecutionStatus", execRequestId=kept)["jobExitCode"] == 0
        reply = ask(e, "getTaskExecutionStatus", execRequestId=forgotten)
        assert reply["returnCode"] == 5

    def test_ids_of_deleted_tasks_are_not_reused(self) -> None:
        e = engine()
        ok(e, "deleteTask", taskId=7)
        created = ok(e, "createTask", taskName="again", projectName="P", jobName="j")
        assert created["taskId"] == 8


VIEWER = {"authUser": "viewer@company.com", "authPass": "v"}
MANAGEMENT = sorted(
    name
    for name, each in COMMANDS.items()
    if each.rights == JOB_CONDUCTOR_MANAGEMENT and name != "runTask"
)
READING = sorted(n for n, c in COMMANDS.items() if c.rights == JOB_CONDUCTOR_READ)


def viewer_engine(version: str) -> Engine:
    users = [
        {"login": "admin@company.com", "password": "admin"},
        {"login": "viewer@company.com", "password": "v", "can_run": False},
    ]
    scenario = parse_scenario({**SCENARIO, "users": users})
    return Engine(scenario, clock=VirtualClock(start=START), dialect=version)


def as_viewer(e: Engine, action: str, **params: Any) -> dict[str, Any]:
    return e.call({"actionName": action, **VIEWER, **params})


class TestRights:
    """A user with can_run: false lacks the Job conductor management right."""

    @pytest.mark.parametrize("version", ["6.3", "7.3", "8.0"])
    @pytest.mark.parametrize("action", MANAGEMENT)
    def test_management_commands_answer_7(self, action: str, version: str) -> None:
        e = viewer_engine(version)
        params = {"taskName": "x", "projectName": "P", "jobName": "j"}
        reply = as_viewer(e, action, taskId=7, **params)
        assert (reply["returnCode"], reply["error"]) == (
            7,
            "Insufficient right (Job conductor management)",
        )
        assert ok(e, "getNameByTaskId", taskId=7)["taskName"] == "Load"

    def test_management_commands_are_listed(self) -> None:
        assert {"createTask", "deleteTask", "stopTask", "requestDeploy"} <= set(
            MANAGEMENT
        )

    @pytest.mark.parametrize("version", ["5.4", "5.6"])
    def test_before_6_3_only_run_task_is_refused(self, version: str) -> None:
        e = viewer_engine(version)
        assert as_viewer(e, "pauseTask", taskId=6)["returnCode"] == 0
        assert as_viewer(e, "updateTask", taskId=7, branch="b")["returnCode"] == 0
        run = as_viewer(e, "runTask", taskId=1, mode="asynchronous")
        assert run["returnCode"] == 32

    def test_run_task_keeps_its_own_32(self) -> None:
        reply = as_viewer(viewer_engine("8.0"), "runTask", taskId=1, mode="synchronous")
        assert (reply["returnCode"], reply["error"]) == (
            32,
            "No right to run this task",
        )

    @pytest.mark.parametrize("action", READING)
    def test_reading_commands_work(self, action: str) -> None:
        e = viewer_engine("8.0")
        exec_request_id = run(e, 1)
        reply = as_viewer(
            e, action, taskId=1, taskName="load", execRequestId=exec_request_id
        )
        assert reply["returnCode"] == 0, reply

    def test_credentials_are_checked_before_the_right(self) -> None:
        e = viewer_engine("8.0")
        reply = e.call({"actionName": "deleteTask", **VIEWER, "authPass": "x"})
        assert reply["returnCode"] == 3


class TestOverHttp:
    def test_lookup_and_list_over_http(self, call: Caller) -> None:
        task_id = call("getTaskIdByName", taskName="quick_error")["taskId"]
        assert call("getNameByTaskId", taskId=task_id)["taskName"] == "quick_error"
        listed = call("listTasks", method="POST")["result"]
        assert {t["label"] for t in listed} >= {"quick_ok", "quick_error"}

    def test_bad_input_gets_a_json_error_not_a_500(self, call: Caller) -> None:
        for action, params in [
            ("taskLog", {"taskId": 1, "startTime": {"a": 1}}),
            ("createTask", {"taskName": ["x"], "projectName": "P", "jobName": "j"}),
            ("updateTask", {"taskId": 1, "timeout": "soon"}),
            ("deleteTask", {"taskId": "1; drop"}),
            ("getTaskIdByName", {"taskName": 12}),
            ("stopTask", {}),
        ]:
            reply = call(action, **params)
            assert reply["returnCode"] in (5, 226), (action, reply)
            assert reply["error"]


def _time(e: Engine) -> dict[str, Any]:
    """executionTime on a frozen virtual clock: always zero."""
    return {"executionTime": {"millis": 0, "seconds": 0}}


def _listed(e: Engine, task_id: int) -> dict[str, Any]:
    tasks = ok(e, "listTasks")["result"]
    return next(t for t in tasks if t["id"] == str(task_id))


def _banner(instant: float) -> str:
    return time.strftime("%Y/%m/%d %H:%M:%S", time.localtime(instant))


def _date(instant: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(instant))


def _ids(log: str) -> str:
    """The (jobId=..., jobExecutionId=...) part of a log's first line."""
    first = log.splitlines()[0]
    return first[first.index("(") : first.index(")") + 1]


@pytest.mark.parametrize(
    ("task", "field"),
    [
        ({"deployment": {"state": "half_done"}}, "tasks[0].deployment.state"),
        (
            {"deployment": {"deploy_failures": -1}},
            "tasks[0].deployment.deploy_failures",
        ),
        ({"deployment": {"retries": 1}}, "tasks[0].deployment"),
        ({"triggers": "daily"}, "tasks[0].triggers"),
    ],
)
def test_scenario_checks_deployment_and_triggers(task: dict, field: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario({"tasks": [{"id": 1, "label": "t", **task}]}, "bad.yaml")
    assert [path for path, _ in caught.value.problems] == [field]


ACTIONS = (
    "getTaskIdByName",
    "getNameByTaskId",
    "getTaskStatus",
    "listTasks",
    "getTasksRelatedToJobs",
    "stopTask",
    "pauseTask",
    "requestPauseTriggers",
    "requestResumeTriggers",
    "taskLog",
    "requestGenerate",
    "requestDeploy",
    "createTask",
    "updateTask",
    "deleteTask",
    "help",
)
PARAMETERS = (
    "taskId",
    "taskName",
    "label",
    "lastExecution",
    "startTime",
    "endTime",
    "projectName",
    "jobName",
    "jobVersion",
    "contextName",
    "executionServerName",
    "active",
    "onUnknownStateJob",
    "timeout",
    "branch",
    "deleteAllRelatedData",
    "commandName",
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(["1", "7", "load", "2024-10-23 16:49:17", "true", "all"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@given(
    action=st.sampled_from(ACTIONS),
    params=st.dictionaries(st.sampled_from(PARAMETERS), JSON_VALUES, max_size=5),
)
def test_any_parameters_get_a_tac_reply_never_an_internal_error(
    action: str, params: dict[str, Any]
) -> None:
    reply = ask(engine(), action, **params)
    assert reply["returnCode"] != 1, reply
    if reply["returnCode"] != 0:
        assert isinstance(reply["error"], str) and reply["error"]


@pytest.mark.parametrize(
    "action, params, error",
    [
        (
            "taskLog",
            {"taskId": 1, "lastExecution": "yes"},
            "Invalid parameter 'lastExecution': expected true or false, got \"yes\"",
        ),
        (
            "updateTask",
            {"taskId": 1, "timeout": "soon"},
            "Invalid parameter 'timeout': expected a number of seconds, got \"soon\"",
        ),
        (
            "updateTask",
            {"taskId": 1, "description": [True]},
            "Invalid parameter 'description': expected a string, got [true]",
        ),
        (
            "getTaskIdByName",
            {"taskName": {"a": None}},
            "Invalid parameter 'taskName': expected a string, got {\"a\":null}",
        ),
        (
            "help",
            {"commandName": False},
            "Invalid parameter 'commandName': expected a string, got false",
        ),
    ],
)
def test_errors_show_values_as_json(action: str, params: dict, error: str) -> None:
    """A rejected value is quoted as the client wrote it in JSON, not as Python."""
    assert ask(engine(), action, **params)["error"] == error


def test_a_restart_keeps_the_task_history() -> None:
    """Executions are forgotten by execRequestId; dates, errorStatus and log stay."""
    e = engine()
    run(e, 1)
    e.clock.advance(10)
    failed = run(e, 2)
    e.clock.advance(5)
    before = {task_id: _listed(e, task_id) for task_id in (1, 2)}
    logs = [ok(e, "taskLog", taskId=task_id)["result"] for task_id in (1, 2)]
    assert before[2]["errorStatus"] == "JOB_ERROR" and before[1]["lastEndedRunDate"]

    assert e.restart() == 2
    assert ask(e, "getTaskExecutionStatus", execRequestId=failed)["returnCode"] == 5
    assert {task_id: _listed(e, task_id) for task_id in (1, 2)} == before
    assert [ok(e, "taskLog", taskId=task_id)["result"] for task_id in (1, 2)] == logs
    assert status(e, 2) == {**status(e, 2), "errorStatus": "JOB_ERROR"}

    run(e, 2)
    e.clock.advance(5)
    assert ok(e, "taskLog", taskId=2)["result"].count("STARTED") == 2
