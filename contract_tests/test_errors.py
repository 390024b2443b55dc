"""Refusals: HTTP 200, a non-zero returnCode and the reason, never a server error."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from mock_tac.contract import check_reply
from mock_tac.contract import strategies as strategies_
from mock_tac.contract.strategies import WireRequest

UNKNOWN_TASK = 987_654_321
UNKNOWN_EXECUTION = "1000000000000_zzzzz"


def test_a_wrong_password_is_an_authentication_error(tac) -> None:
    reply = tac.send(
        {
            "actionName": "runTask",
            "authUser": tac.user,
            "authPass": tac.password + "x",
            "taskId": tac.ok_task,
            "mode": "synchronous",
        }
    )

    check_reply("runTask", reply, "error")
    assert reply["returnCode"] == 3


def test_an_unknown_task_is_refused(tac) -> None:
    reply = tac.call("runTask", taskId=UNKNOWN_TASK, mode="synchronous")

    check_reply("runTask", reply, "error")


def test_an_unknown_execution_is_refused(tac) -> None:
    reply = tac.call("getTaskExecutionStatus", execRequestId=UNKNOWN_EXECUTION)

    check_reply("getTaskExecutionStatus", reply, "error")


def test_an_unknown_action_is_refused(tac) -> None:
    reply = tac.call("listCommands")

    check_reply(None, reply, "error")


def test_a_missing_action_is_refused(tac) -> None:
    reply = tac.send({**tac.auth, "taskId": tac.ok_task})

    check_reply(None, reply, "error")


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=strategies_.malformed_requests())
def test_malformed_requests_get_a_json_error(tac, request: WireRequest) -> None:
    response = tac.send_raw(request)

    assert response.status_code == 200, (request.defect, response.text[:200])
    check_reply(None, response.json(), "error")
