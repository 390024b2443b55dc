"""Preparing a task's job: ``requestGenerate`` and ``requestDeploy``.

Both return at once; the task then shows ``GENERATING`` / ``DEPLOYING`` for
the scenario's ``generate_seconds`` / ``deploy_seconds`` (see
:mod:`mock_tac.deployment`). A scenario's ``deploy_failures`` make the first
requestDeploy calls answer 170.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import codes
from ..codes import ApiError
from ..registry import JOB_CONDUCTOR_MANAGEMENT, command
from .common import task_sample

if TYPE_CHECKING:
    from ..engine import Engine


@command(
    "requestGenerate",
    description=(
        "Generate the job of a task; once generated it is ready to be deployed "
        "(status READY_TO_SEND)."
    ),
    since="5.0",
    sample=task_sample("requestGenerate"),
    rights=JOB_CONDUCTOR_MANAGEMENT,
)
def request_generate(engine: Engine, params: dict[str, Any]) -> dict[str, Any]:
    with engine.store.transaction() as state:
        task = engine.task(state, params)
        task.deployment.request_generate(engine.clock.now())
    return {}


@command(
    "requestDeploy",
    description=(
        "Deploy the job of a task to its execution server, generating it "
        "first if needed; the task is then READY_TO_RUN."
    ),
    since="5.0",
    sample=task_sample("requestDeploy"),
    error_codes=codes.DEPLOY_CODES,
    rights=JOB_CONDUCTOR_MANAGEMENT,
)
def request_deploy(engine: Engine, params: dict[str, Any]) -> dict[str, Any]:
    with engine.store.transaction() as state:
        task = engine.task(state, params)
        if not task.deployment.request_deploy(engine.clock.now()):
            raise ApiError(
                codes.DEPLOY_ERROR,
                f"{codes.DEPLOY_CODES[codes.DEPLOY_ERROR]} '{task.spec.label}' "
                f"(id={task.id}) to {task.spec.server}",
            )
    return {}
