"""Finding a task and reading its status: ``getTaskIdByName``,
``getNameByTaskId`` and ``getTaskStatus``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import codes
from ..codes import ApiError
from ..protocol import as_json
from ..registry import JOB_CONDUCTOR_READ, command
from ..store import State, TaskState
from .common import SAMPLE_AUTH, task_sample
from .tasks import (
    jump_virtual_clock,
    running_executions,
    task_executions,
    task_status_of,
)

if TYPE_CHECKING:
    from ..engine import Engine

#: The two names getTaskIdByName's parameter has had (5.6+, and before).
TASK_NAME_PARAMS = ("taskName", "label")


@command(
    "getTaskIdByName",
    description=(
        "Return the id of the task with the given name (exact, case-sensitive "
        "match). Older clients send the name as 'label'; both are read."
    ),
    since="5.1",
    sample={
        "actionName": "getTaskIdByName",
        **SAMPLE_AUTH,
        "taskName": "load_customers",
    },
    error_codes=codes.TASK_NAME_CODES,
    rights=JOB_CONDUCTOR_READ,
)
def get_task_id_by_name(engine: Engine, params: dict[str, Any]) -> dict[str, Any]:
    name = _task_name(engine, params)
    with engine.store.transaction() as state:
        for task in state.tasks.values():
            if task.spec.label == name:
                return {"taskId": task.id}
    code = engine.dialect.task_name_miss_code
    if code == codes.NO_TASK_WITH_NAME:  # TAC's own text for 79, then the name
        raise ApiError(code, f"{codes.TASK_NAME_CODES[code]} (label={name})")
    raise ApiError(code, f"Cannot find task with label={name}")


@command(
    "getNameByTaskId",
    description="Return the name (label) of the task with the given id.",
    since="5.1",
    sample=task_sample("getNameByTaskId"),
    rights=JOB_CONDUCTOR_READ,
)
def get_name_by_task_id(engine: Engine, params: dict[str, Any]) -> dict[str, Any]:
    with engine.store.transaction() as state:
        return {"taskName": engine.task(state, params).spec.label}


@command(
    "getTaskStatus",
    description=(
        "Return the status of a task (READY_TO_RUN, RUNNING...) and the "
        "errorStatus of its last execution."
    ),
    since="4.2",
    sample=task_sample("getTaskStatus"),
    rights=JOB_CONDUCTOR_READ,
)
def get_task_status(engine: Engine, params: dict[str, Any]) -> dict[str, Any]:
    with engine.store.transaction() as state:
        task = engine.task(state, params)
        if not engine.dialect.run_task_exec_request_id:
            # Before 5.6 this is the only way to follow a run, so it is the
            # poll that ends a poll-counted phase.
            for execution in running_executions(engine, state, task):
                execution.observe_poll(engine.clock.now())
        status = task_status_of(engine, state, task)
        error_status = last_error_status(engine, state, task)
        deadline = _next_transition(engine, state, task)

    jump_virtual_clock(engine, deadline)
    return {"errorStatus": error_status, "status": status}


def last_error_status(engine: Engine, state: State, task: TaskState) -> str:
    """errorStatus of the task's latest execution; NO_ERROR if it never ran."""
    executions = task_executions(engine, state, task)
    return executions[-1].error_status if executions else "NO_ERROR"


def _next_transition(engine: Engine, state: State, task: TaskState) -> float | None:
    instants = [
        execution.next_transition()
        for execution in running_executions(engine, state, task)
    ]
    instants.append(task.deployment.next_transition())
    known = [instant for instant in instants if instant is not None]
    return min(known) if known else None


def _task_name(engine: Engine, params: dict[str, Any]) -> str:
    preferred = engine.dialect.task_name_param
    names = (preferred, *(n for n in TASK_NAME_PARAMS if n != preferred))
    for name in names:
        value = params.get(name)
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise ApiError(
                codes.INVALID_PARAMETER,
                f"Invalid parameter '{name}': expected a string, got {as_json(value)}",
            )
        return value
    raise ApiError(codes.INVALID_PARAMETER, f"Missing parameter: {preferred}")
