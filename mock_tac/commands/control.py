"""Stopping a task and pausing its triggers: ``stopTask``, ``pauseTask``,
``requestPauseTriggers`` and ``requestResumeTriggers``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..registry import JOB_CONDUCTOR_MANAGEMENT, command
from .common import task_sample
from .tasks import running_executions

if TYPE_CHECKING:
    from ..engine import Engine


@command(
    "stopTask",
    description=(
        "Stop the running execution(s) of a task: each ends in error with a "
        "non-zero jobExitCode. On a task that is not running, does nothing."
    ),
    since="5.1",
    sample=task_sample("stopTask"),
    rights=JOB_CONDUCTOR_MANAGEMENT,
)
def stop_task(engine: Engine, params: dict[str, Any]) -> dict[str, Any]:
    with engine.store.transaction() as state:
        task = engine.task(state, params)
        for execution in running_executions(engine, state, task):
            execution.stop(engine.clock.now())
    return {}


@command(
    "requestPauseTriggers",
    description="Pause every trigger of a task.",
    since="5.0",
    sample=task_sample("requestPauseTriggers"),
    rights=JOB_CONDUCTOR_MANAGEMENT,
)
@command(
    "pauseTask",
    description="Pause every trigger of a task. A running execution is not paused.",
    since="5.1",
    sample=task_sample("pauseTask"),
    rights=JOB_CONDUCTOR_MANAGEMENT,
)
def pause_triggers(engine: Engine, params: dict[str, Any]) -> dict[str, Any]:
    return _set_triggers_paused(engine, params, paused=True)


@command(
    "requestResumeTriggers",
    description="Resume every trigger of a task.",
    since="5.0",
    sample=task_sample("requestResumeTriggers"),
    rights=JOB_CONDUCTOR_MANAGEMENT,
)
def request_resume_triggers(engine: Engine, params: dict[str, Any]) -> dict[str, Any]:
    return _set_triggers_paused(engine, params, paused=False)


def _set_triggers_paused(
    engine: Engine, params: dict[str, Any], *, paused: bool
) -> dict[str, Any]:
    with engine.store.transaction() as state:
        engine.task(state, params).triggers_paused = paused
    return {}
