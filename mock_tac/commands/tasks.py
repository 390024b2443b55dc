"""Running tasks: ``runTask`` and ``getTaskExecutionStatus``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import codes
from ..codes import ApiError
from ..execution import Execution
from ..faults import on_execution_started
from ..protocol import as_json, as_json_text, json_kind
from ..registry import JOB_CONDUCTOR_MANAGEMENT, JOB_CONDUCTOR_READ, command
from ..store import State, TaskState

if TYPE_CHECKING:
    from ..engine import Engine

MODES = ("synchronous", "asynchronous")


@command(
    "runTask",
    description=(
        "Run a task. In synchronous mode the reply comes when the execution has "
        "ended; in asynchronous mode at once, with an execRequestId to poll "
        "with getTaskExecutionStatus."
    ),
    since="4.2",
    sample={
        "actionName": "runTask",
        "authPass": "admin",
        "authUser": "admin@company.com",
        "jvmParams": ["-Xmx256m", "-Xms64m"],
        "mode": "synchronous",
        "taskId": 1,
    },
    error_codes=codes.RUN_TASK_CODES,
    rights=JOB_CONDUCTOR_MANAGEMENT,
    checks_right=True,
)
def run_task(engine: Engine, params: dict[str, Any]) -> dict[str, Any]:
    user = engine.current_user(params)
    with engine.store.transaction() as state:
        task = engine.task(state, params)
        mode = params.get("mode")
        if mode not in MODES:
            raise ApiError(codes.BAD_MODE, codes.RUN_TASK_CODES[codes.BAD_MODE])
        context = _context(params)
        jvm_params = _jvm_params(params)
        if not user.can_run:
            raise ApiError(
                codes.NO_RIGHT_TO_RUN, codes.RUN_TASK_CODES[codes.NO_RIGHT_TO_RUN]
            )
        _refuse_if_busy(engine, state, task)
        execution = _start(engine, state, task, mode, context, jvm_params)
        exec_request_id = execution.exec_request_id

    # Before 5.6 runTask answered no execRequestId, in either mode.
    with_id = engine.dialect.run_task_exec_request_id
    if mode == "asynchronous":
        return {"execRequestId": exec_request_id} if with_id else {}

    execution = engine.wait_for_end(exec_request_id)
    with engine.store.transaction() as state:
        task_status = task_status_of(engine, state, state.tasks[execution.task_id])
    reply = {
        **execution.status_fields(),
        "errorStatus": execution.error_status,
        "status": task_status,
    }
    if with_id:
        reply["execRequestId"] = execution.exec_request_id
    return reply


@command(
    "getTaskExecutionStatus",
    description=(
        "Return the status of an execution started by runTask. jobExitCode is "
        "only present once the job has ended."
    ),
    since="5.6",
    sample={
        "actionName": "getTaskExecutionStatus",
        "authPass": "admin",
        "authUser": "admin@company.com",
        "execRequestId": "1406817216723_97nsV",
    },
    rights=JOB_CONDUCTOR_READ,
)
def get_task_execution_status(engine: Engine, params: dict[str, Any]) -> dict[str, Any]:
    exec_request_id = params.get("execRequestId")
    if exec_request_id in (None, ""):
        raise ApiError(codes.INVALID_PARAMETER, "Missing parameter: execRequestId")

    with engine.store.transaction() as state:
        execution = state.executions.get(str(exec_request_id))
        if execution is None:
            raise ApiError(
                codes.INVALID_PARAMETER,
                "Cannot find execution with execRequestId="
                + as_json_text(exec_request_id),
            )
        execution.observe_poll(engine.clock.now())
        fields = execution.status_fields()
        deadline = execution.next_transition()

    jump_virtual_clock(engine, deadline)
    return fields


def task_status_of(engine: Engine, state: State, task: TaskState) -> str:
    """The task's ``status``: RUNNING while any of its executions runs.

    Otherwise where its job stands: READY_TO_RUN once deployed, else a
    generation or deployment status (see :mod:`mock_tac.deployment`).
    """
    if running_executions(engine, state, task):
        return "RUNNING"
    task.deployment.advance(engine.clock.now())
    return task.deployment.status


def running_executions(
    engine: Engine, state: State, task: TaskState
) -> list[Execution]:
    """The task's executions that have not ended yet, brought up to date."""
    running = []
    for exec_request_id in task.execution_ids:
        execution = state.executions[exec_request_id]
        engine.refresh(execution)
        if not execution.ended:
            running.append(execution)
    return running


def task_executions(engine: Engine, state: State, task: TaskState) -> list[Execution]:
    """Every execution of the task, oldest first, brought up to date.

    Those a restart forgot are included: the task's history outlives them.
    """
    live = [state.executions[i] for i in task.execution_ids if i in state.executions]
    every = sorted([*task.history, *live], key=lambda e: e.run_number)
    for execution in every:
        engine.refresh(execution)
    return every


def _refuse_if_busy(engine: Engine, state: State, task: TaskState) -> None:
    if task.spec.concurrent:
        return
    running = running_executions(engine, state, task)
    if running:
        raise ApiError(
            codes.LAUNCH_ERROR,
            f"Task '{task.spec.label}' (id={task.id}) is still processing "
            f"(execRequestId={running[-1].exec_request_id}); it cannot be run "
            "again before its current execution has ended",
        )


def _start(
    engine: Engine,
    state: State,
    task: TaskState,
    mode: str,
    context: dict[str, str],
    jvm_params: list[str],
) -> Execution:
    now = engine.clock.now()  # read once: the id's millis are the start's
    task.runs += 1
    task.deployment.mark_deployed(now)
    execution = Execution(
        exec_request_id=engine.new_exec_request_id(state, now),
        task_id=task.id,
        run_number=task.runs,
        mode=mode,
        lifecycle=task.spec.lifecycle_for(task.runs),
        started_at=now,
        context=context,
        jvm_params=jvm_params,
    )
    state.executions[execution.exec_request_id] = execution
    task.execution_ids.append(execution.exec_request_id)
    on_execution_started(engine, execution)
    return execution


def _context(params: dict[str, Any]) -> dict[str, str]:
    value = params.get("context")
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ApiError(
            codes.INVALID_PARAMETER,
            "Invalid parameter 'context': expected an object of context "
            f"variables, got {json_kind(value)}",
        )
    return {str(k): v if isinstance(v, str) else _to_text(v) for k, v in value.items()}


def _jvm_params(params: dict[str, Any]) -> list[str]:
    value = params.get("jvmParams")
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ApiError(
        codes.INVALID_PARAMETER,
        "Invalid parameter 'jvmParams': expected an array of strings, got "
        + as_json(value),
    )


def _to_text(value: Any) -> str:
    """A context value as the job receives it: text, and nested values as JSON."""
    return "" if value is None else as_json_text(value)


def jump_virtual_clock(engine: Engine, deadline: float | None) -> None:
    """On an auto virtual clock, let the next poll find the next phase.

    The jump waits until this reply is measured: a poll answers at once, so
    its executionTime must not include the hours the clock skips.
    """
    if deadline is not None and getattr(engine.clock, "auto", False):
        engine.after_reply(lambda: engine.clock.advance_to(deadline))
