"""Listing the Job Conductor's tasks: ``listTasks`` and ``getTasksRelatedToJobs``.

Both answer the same task objects, with every value a string or null as a
real TAC sends them; ``listTasks`` under ``result``, the other under ``root``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..deployment import GENERATING, READY_TO_GENERATE
from ..registry import JOB_CONDUCTOR_READ, command
from ..store import State, TaskState
from .common import SAMPLE_AUTH, listed_date, text
from .lookup import last_error_status
from .tasks import running_executions, task_executions, task_status_of

if TYPE_CHECKING:
    from ..engine import Engine

#: Task settings the scenario does not model, as a new task has them.
DEFAULT_SETTINGS: dict[str, str | None] = {
    "active": "true",
    "addStatisticsCodeEnabled": "false",
    "applyContextToChildren": "false",
    "branch": "trunk",
    "execStatisticsEnabled": "false",
    "onUnknownStateJob": "WAIT",
    "regenerateJobOnChange": "false",
    "timeOut": None,
}

#: Fields of a TAC task object the mock has nothing to put in (null).
_UNKNOWN_FIELDS = (
    "applicationBundleName",
    "applicationFeatureURL",
    "applicationGroup",
    "applicationId",
    "commandLineVersion",
    "idQuartzJob",
    "lastTaskTraceError",
    "nextFireDate",
    "onlineStatus",
    "originType",
    "pid",
    "projectId",
    "remaingTimeForNextFire",
    "repositoryName",
    "svnConnectionAvailable",
    "svnRevision",
    "virtualServerLabel",
    # fields of newer TAC versions' task models
    "artifactGroupId",
    "artifactId",
    "artifactVersion",
    "featuresName",
    "featuresVersion",
    "framework",
    "latestVersion",
    "log4jLevel",
    "runAsUser",
    "snapshot",
    "taskType",
)


@command(
    "listTasks",
    description="Return every task of the Job Conductor, under 'result'.",
    since="5.2",
    sample={"actionName": "listTasks", **SAMPLE_AUTH},
    rights=JOB_CONDUCTOR_READ,
)
def list_tasks(engine: Engine, params: dict[str, Any]) -> dict[str, Any]:
    return {"result": task_objects(engine)}


@command(
    "getTasksRelatedToJobs",
    description=(
        "Return every task of the Job Conductor, as listTasks does but under 'root'."
    ),
    since="5.0",
    sample={"actionName": "getTasksRelatedToJobs", **SAMPLE_AUTH},
    rights=JOB_CONDUCTOR_READ,
)
def get_tasks_related_to_jobs(engine: Engine, params: dict[str, Any]) -> dict[str, Any]:
    return {"root": task_objects(engine)}


def task_objects(engine: Engine) -> list[dict[str, str | None]]:
    """Every task as TAC lists it, in id order."""
    with engine.store.transaction() as state:
        return [
            task_object(engine, state, state.tasks[task_id])
            for task_id in sorted(state.tasks)
        ]


def task_object(engine: Engine, state: State, task: TaskState) -> dict[str, Any]:
    """One task as listTasks shows it: strings or null, never numbers."""
    spec = task.spec
    settings = {**DEFAULT_SETTINGS, **task.settings}
    status = task_status_of(engine, state, task)
    executions = task_executions(engine, state, task)
    ended = [e.ended_at for e in executions if e.ended_at is not None]
    last_run = executions[-1].started_at if executions else None
    deployment = task.deployment
    busy = bool(running_executions(engine, state, task)) or deployment.busy
    generated = deployment.status not in (READY_TO_GENERATE, GENERATING)

    fields: dict[str, Any] = dict.fromkeys(_UNKNOWN_FIELDS)
    fields.update(settings)
    fields.update(
        {
            "applicationName": spec.job,
            "applicationType": "JOB",
            "applicationVersion": spec.job_version,
            "awaitingExecutions": "0",
            "concurrentExecution": text(spec.concurrent),
            "contextName": spec.context,
            "description": spec.description,
            "errorStatus": last_error_status(engine, state, task),
            "executionServerId": spec.server,
            "frozenExecutions": "0",
            "id": str(task.id),
            "jobServerLabelHost": spec.server,
            "jobscriptarchivefilename": (
                f"{spec.job}_{spec.job_version}.zip" if generated else None
            ),
            "label": spec.label,
            "lastDeploymentDate": listed_date(deployment.deployed_at),
            "lastEndedRunDate": listed_date(max(ended)) if ended else None,
            "lastRunDate": listed_date(last_run),
            "lastScriptGenerationDate": listed_date(deployment.generated_at),
            "processingState": text(busy),
            "projectName": spec.project,
            "status": status,
            "triggersStatus": triggers_status(task),
        }
    )
    return fields


def triggers_status(task: TaskState) -> str:
    """``NO_TRIGGER`` (seen from TAC), else ``PAUSED`` or ``NORMAL`` (assumed)."""
    if task.spec.triggers == 0:
        return "NO_TRIGGER"
    return "PAUSED" if task.triggers_paused else "NORMAL"
