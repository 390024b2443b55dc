"""Defining tasks: ``createTask``, ``updateTask`` and ``deleteTask``.

A created task runs with the default lifecycle (one timed RUNNING phase,
then OK) and is ready to run at once. Parameters that are not in TAC's help
sample are ignored, as TAC ignores them.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from .. import codes
from ..codes import ApiError
from ..engine import parse_id
from ..protocol import as_json, json_kind
from ..registry import JOB_CONDUCTOR_MANAGEMENT, command
from ..scenario import TaskSpec
from ..store import State, TaskState
from .common import SAMPLE_AUTH, flag, text
from .tasks import running_executions

if TYPE_CHECKING:
    from ..engine import Engine

#: Request parameters kept in the task's definition, by TaskSpec field.
SPEC_PARAMS = {
    "taskName": "label",
    "projectName": "project",
    "jobName": "job",
    "jobVersion": "job_version",
    "contextName": "context",
    "executionServerName": "server",
    "description": "description",
}
#: Boolean parameters kept as settings (listTasks shows them as strings).
FLAG_PARAMS = (
    "active",
    "addStatisticsCodeEnabled",
    "applyContextToChildren",
    "execStatisticsEnabled",
    "pauseOnError",
    "regenerateJobOnChange",
)
ON_UNKNOWN_STATE_JOB = ("WAIT", "KILL_TASK", "RESTART_TASK", "RECOVER_TASK")
REQUIRED_FOR_CREATE = ("taskName", "projectName", "jobName")
#: Text parameters that name something, so cannot be blank.
NAMES = (*REQUIRED_FOR_CREATE, "branch")

_TASK_FIELDS = {
    "active": True,
    "addStatisticsCodeEnabled": False,
    "applyContextToChildren": False,
    "branch": "trunk",
    "contextName": "Default",
    "description": "Nightly load of the sales data",
    "execStatisticsEnabled": False,
    "executionServerName": "JOB_SERVER_1",
    "jobName": "load_sales",
    "jobVersion": "1.0",
    "onUnknownStateJob": "WAIT",
    "projectName": "DEMO",
    "regenerateJobOnChange": False,
    "taskName": "load_sales",
}


@command(
    "createTask",
    description=(
        "Add a task to the Job Conductor and return its taskId. taskName must "
        "be new; onUnknownStateJob is one of WAIT, KILL_TASK, RESTART_TASK, "
        "RECOVER_TASK; contextName defaults to Default."
    ),
    since="5.0",
    sample={"actionName": "createTask", **SAMPLE_AUTH, **_TASK_FIELDS},
    rights=JOB_CONDUCTOR_MANAGEMENT,
)
def create_task(engine: Engine, params: dict[str, Any]) -> dict[str, Any]:
    for name in REQUIRED_FOR_CREATE:
        if params.get(name) in (None, ""):
            raise ApiError(codes.INVALID_PARAMETER, f"Missing parameter: {name}")
    changes = _spec_changes(params)
    settings = _settings(params)

    with engine.store.transaction() as state:
        _refuse_taken_name(state, changes["label"], None)
        task_id = max(state.highest_task_id, *state.tasks, 0) + 1
        state.highest_task_id = task_id
        spec = TaskSpec(id=task_id, label=changes.pop("label"), job="")
        spec = dataclasses.replace(spec, **changes)
        task = TaskState(spec, settings=settings)
        task.deployment.advance(engine.clock.now())  # generated and deployed now
        state.tasks[task_id] = task
    return {"taskId": task_id}


@command(
    "updateTask",
    description=(
        "Change a task's definition: only the parameters given change. "
        "taskName must stay unique."
    ),
    since="5.0",
    sample={"actionName": "updateTask", **SAMPLE_AUTH, **_TASK_FIELDS, "taskId": 1},
    rights=JOB_CONDUCTOR_MANAGEMENT,
)
def update_task(engine: Engine, params: dict[str, Any]) -> dict[str, Any]:
    with engine.store.transaction() as state:
        task = engine.task(state, params)
        _refuse_non_object_context(params)
        changes = _spec_changes(params)
        settings = _settings(params)
        if "label" in changes:
            _refuse_taken_name(state, changes["label"], task.id)
        task.spec = dataclasses.replace(task.spec, **changes)
        task.settings.update(settings)
    return {}


@command(
    "deleteTask",
    description=(
        "Delete a task. deleteAllRelatedData: true also forgets its executions. "
        "A task that is running, generating or deploying cannot be deleted."
    ),
    since="5.6",
    sample={
        "actionName": "deleteTask",
        **SAMPLE_AUTH,
        "deleteAllRelatedData": True,
        "taskId": 1,
    },
    error_codes=codes.DELETE_TASK_CODES,
    rights=JOB_CONDUCTOR_MANAGEMENT,
)
def delete_task(engine: Engine, params: dict[str, Any]) -> dict[str, Any]:
    forget = flag(params, "deleteAllRelatedData")
    with engine.store.transaction() as state:
        task = engine.task(state, params)
        task.deployment.advance(engine.clock.now())
        if running_executions(engine, state, task) or task.deployment.busy:
            raise ApiError(
                codes.TASK_PROCESSING,
                f"{codes.DELETE_TASK_CODES[codes.TASK_PROCESSING]}: task "
                f"'{task.spec.label}' (id={task.id}) is {_busy_status(task)}",
            )
        del state.tasks[task.id]
        state.highest_task_id = max(state.highest_task_id, task.id)
        if forget:
            for exec_request_id in task.execution_ids:
                state.executions.pop(exec_request_id, None)
    return {}


def _busy_status(task: TaskState) -> str:
    """What keeps a task busy, for error messages."""
    return task.deployment.status if task.deployment.busy else "RUNNING"


def _spec_changes(params: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name, spec_field in SPEC_PARAMS.items():
        value = _string(params, name)
        if value is not None:
            changes[spec_field] = value
    return changes


def _refuse_non_object_context(params: dict[str, Any]) -> None:
    """updateTask's ``context`` is ignored, but must be an object as runTask's."""
    value = params.get("context")
    if value is not None and not isinstance(value, dict):
        raise ApiError(
            codes.INVALID_PARAMETER,
            "Invalid parameter 'context': expected an object of context "
            f"variables, got {json_kind(value)}",
        )


def _string(params: dict[str, Any], name: str) -> str | None:
    """A text parameter, or None when absent (or null).

    A number is taken as its JSON text (``1.0`` → ``"1.0"``); booleans,
    arrays and objects answer 5.
    """
    value = params.get(name)
    if value is None:
        return None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ApiError(
            codes.INVALID_PARAMETER,
            f"Invalid parameter '{name}': expected a string, got {as_json(value)}",
        )
    value = text(value)
    if name in NAMES and not value.strip():
        raise ApiError(
            codes.INVALID_PARAMETER, f"Invalid parameter '{name}': it is empty"
        )
    return value


def _settings(params: dict[str, Any]) -> dict[str, str]:
    settings = {
        name: text(flag(params, name))
        for name in FLAG_PARAMS
        if params.get(name) is not None
    }
    branch = _string(params, "branch")
    if branch is not None:
        settings["branch"] = branch
    state_rule = params.get("onUnknownStateJob")
    if state_rule is not None:
        if state_rule not in ON_UNKNOWN_STATE_JOB:
            raise ApiError(
                codes.INVALID_PARAMETER,
                f"Invalid parameter 'onUnknownStateJob': {as_json(state_rule)} is "
                f"not one of {', '.join(ON_UNKNOWN_STATE_JOB)}",
            )
        settings["onUnknownStateJob"] = state_rule
    if params.get("timeout") is not None:
        timeout = parse_id(params["timeout"])
        if timeout is None or timeout < 0:
            raise ApiError(
                codes.INVALID_PARAMETER,
                "Invalid parameter 'timeout': expected a number of seconds, got "
                + as_json(params["timeout"]),
            )
        settings["timeOut"] = str(timeout)
    return settings


def _refuse_taken_name(state: State, name: str, own_id: int | None) -> None:
    for task in state.tasks.values():
        if task.spec.label == name and task.id != own_id:
            raise ApiError(
                codes.INVALID_PARAMETER,
                f"Invalid parameter 'taskName': a task named '{name}' already "
                f"exists (id={task.id})",
            )
