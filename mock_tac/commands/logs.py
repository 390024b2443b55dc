"""A task's execution logs: ``taskLog``.

The log of each execution is the pair of banner lines a TAC job server
writes around a job, with times and outcome taken from the execution::

    ### Job STARTED  at 2024/10/23 16:49:17 (jobId=..., jobExecutionId=...) ###
    ### Job ENDED SUCCESSFULLY  at 2024/10/23 16:49:20 (jobId=..., ...) ###

A running execution has only its STARTED line.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .. import codes
from ..codes import ApiError
from ..execution import Execution
from ..protocol import as_json
from ..registry import JOB_CONDUCTOR_READ, command
from .common import DATE_FORMAT, flag, local_time, task_sample
from .tasks import task_executions

if TYPE_CHECKING:
    from ..engine import Engine

BANNER_TIME_FORMAT = "%Y/%m/%d %H:%M:%S"
#: How each way of ending is announced; only SUCCESSFULLY has been seen.
ENDED_WORDS = {"ok": "ENDED SUCCESSFULLY", "error": "ENDED WITH ERROR"}


@command(
    "taskLog",
    description=(
        "Return the log of a task's executions: every execution, only the last "
        "one (lastExecution: true), or those between startTime and endTime "
        "(yyyy-MM-dd HH:mm:ss)."
    ),
    since="5.1",
    sample=task_sample(
        "taskLog",
        endTime="2024-10-23 16:50:52",
        lastExecution=False,
        startTime="2024-10-23 16:49:17",
    ),
    error_codes=codes.TASK_LOG_CODES,
    rights=JOB_CONDUCTOR_READ,
)
def task_log(engine: Engine, params: dict[str, Any]) -> dict[str, Any]:
    with engine.store.transaction() as state:
        task = engine.task(state, params)
        last_only = flag(params, "lastExecution")
        start = _date(params, "startTime")
        end = _date(params, "endTime")
        if start is not None and end is not None and start > end:
            raise ApiError(
                codes.BAD_DATE_RANGE,
                f"{codes.TASK_LOG_CODES[codes.BAD_DATE_RANGE]} startTime "
                f"{params['startTime']} is after endTime {params['endTime']}",
            )

        now = engine.clock.now()
        chosen = [
            execution
            for execution in task_executions(engine, state, task)
            if _overlaps(execution, start, end, now)
        ]
        if last_only:
            chosen = chosen[-1:]
        log = "".join(execution_log(execution) for execution in chosen)

    return {engine.dialect.task_log_key: log}


def execution_log(execution: Execution) -> str:
    """The banner lines of one execution, each ending with a newline."""
    suffix = execution.exec_request_id.rsplit("_", 1)[-1]
    started = int(execution.started_at)
    ids = (
        f"(jobId={local_time(started, '%Y%m%d_%H%M%S')}_{suffix.lower()}, "
        f"jobExecutionId={local_time(started, '%Y%m%d%H%M%S')}_{suffix})"
    )
    lines = [f"### Job STARTED  at {local_time(started, BANNER_TIME_FORMAT)} {ids} ###"]
    if execution.ended_at is not None:
        words = ENDED_WORDS.get(execution.outcome or "error", ENDED_WORDS["error"])
        ended = local_time(int(execution.ended_at), BANNER_TIME_FORMAT)
        lines.append(f"### Job {words}  at {ended} {ids} ###")
    return "".join(line + "\n" for line in lines)


def _date(params: dict[str, Any], name: str) -> float | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return time.mktime(time.strptime(value.strip(), DATE_FORMAT))
    except (ValueError, OverflowError):
        raise ApiError(
            codes.BAD_DATE,
            f"{codes.TASK_LOG_CODES[codes.BAD_DATE]} {name}={as_json(value)} does not "
            "match yyyy-MM-dd HH:mm:ss",
        ) from None


def _overlaps(
    execution: Execution, start: float | None, end: float | None, now: float
) -> bool:
    """True if the execution ran at some moment between ``start`` and ``end``.

    Compared to the second, as the dates are given and the log prints them.
    """
    finished = execution.ended_at if execution.ended_at is not None else now
    if start is not None and int(finished) < start:
        return False
    return end is None or int(execution.started_at) <= end
