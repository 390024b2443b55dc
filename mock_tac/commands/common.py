"""Helpers the task command modules share: samples, flags, dates."""

from __future__ import annotations

import time
from typing import Any

from .. import codes
from ..codes import ApiError
from ..protocol import as_json, as_json_text

#: The credentials TAC's help samples show.
SAMPLE_AUTH = {"authPass": "admin", "authUser": "admin@company.com"}

#: TAC's wire format for dates a client sends, and for task dates it lists.
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


def task_sample(action: str, **params: Any) -> dict[str, Any]:
    """A help sample for ``action``: credentials, ``taskId`` 1 and ``params``."""
    return {"actionName": action, **SAMPLE_AUTH, "taskId": 1, **params}


def flag(params: dict[str, Any], name: str, default: bool = False) -> bool:
    """A boolean parameter, given as a JSON boolean or as "true"/"false".

    Absent or null: ``default``. Anything else, the empty string included,
    is refused.

    Raises:
        ApiError: 5, naming the parameter and the value received.
    """
    value = params.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ApiError(
        codes.INVALID_PARAMETER,
        f"Invalid parameter '{name}': expected true or false, got {as_json(value)}",
    )


def text(value: Any) -> str:
    """A parameter value as TAC lists it: a string, booleans as true/false."""
    return "" if value is None else as_json_text(value)


def local_time(instant: float, fmt: str = DATE_FORMAT) -> str:
    """``instant`` (epoch seconds) in the server's time zone, as TAC prints it."""
    return time.strftime(fmt, time.localtime(instant))


def listed_date(instant: float | None) -> str | None:
    """A task date as listTasks shows it (``2015-06-22 15:00:08.839``), or None."""
    if instant is None:
        return None
    millis = int((instant % 1) * 1000)
    return f"{local_time(int(instant))}.{millis:03d}"
