"""runTask and getTaskExecutionStatus keep the contract, in both modes."""

from __future__ import annotations

import pytest

from mock_tac.contract import check_reply


def test_a_synchronous_run_of_the_ok_task(tac) -> None:
    reply = tac.call("runTask", taskId=tac.ok_task, mode="synchronous")

    check_reply("runTask", reply, "sync")
    assert (reply["execBasicStatus"], reply["jobExitCode"]) == ("OK", 0)


def test_a_failed_job_is_not_an_api_error(tac) -> None:
    """The call succeeds (returnCode 0) and the reply says the job failed."""
    reply = tac.call("runTask", taskId=tac.fail_task, mode="synchronous")

    check_reply("runTask", reply, "sync")
    assert reply["returnCode"] == 0
    assert reply["execBasicStatus"] == "ERROR"
    assert reply["jobExitCode"] != 0


@pytest.mark.parametrize("outcome", ["ok", "fail"])
def test_an_asynchronous_run_is_polled_to_its_end(tac, outcome: str) -> None:
    task_id = tac.ok_task if outcome == "ok" else tac.fail_task

    started = tac.call("runTask", taskId=task_id, mode="asynchronous")
    check_reply("runTask", started, "async")
    statuses = tac.poll_until_end(started["execRequestId"])

    *running, ended = statuses
    for reply in running:
        check_reply("getTaskExecutionStatus", reply, "running")
    check_reply("getTaskExecutionStatus", ended, "ended")
    assert (ended["execBasicStatus"] == "OK") == (outcome == "ok")
    assert (ended["jobExitCode"] == 0) == (outcome == "ok")


def test_the_task_id_may_be_a_numeric_string(tac) -> None:
    reply = tac.call("runTask", taskId=str(tac.ok_task), mode="synchronous")

    check_reply("runTask", reply, "sync")


def test_a_bad_mode_is_refused_with_33(tac) -> None:
    reply = tac.call("runTask", taskId=tac.ok_task, mode="async")

    check_reply("runTask", reply, "error")
    assert reply["returnCode"] == 33
