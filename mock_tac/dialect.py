"""Version dialects: what changed in MetaServlet between TAC releases."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_VERSION = "8.0"


@dataclass(frozen=True)
class Dialect:
    """The details of one TAC version the mock can speak."""

    version: str
    auth_error: str
    generic_codes: tuple[int, ...]
    async_exec_request_id: bool
    task_log_key: str
    task_name_param: str


DIALECTS: dict[str, Dialect] = {
    "5.6": Dialect(
        version="5.6",
        auth_error="Incorrect password",
        generic_codes=(0, 1, 2, 3, 4, 5, 6),
        async_exec_request_id=True,
        task_log_key="result",
        task_name_param="taskName",
    ),
    "6.3": Dialect(
        version="6.3",
        auth_error="Username or password is wrong",
        generic_codes=(0, 1, 2, 3, 4, 5, 6, 7),
        async_exec_request_id=True,
        task_log_key="result",
        task_name_param="taskName",
    ),
    "7.3": Dialect(
        version="7.3",
        auth_error="Username or password is wrong",
        generic_codes=(0, 1, 2, 3, 4, 5, 6, 7),
        async_exec_request_id=True,
        task_log_key="result",
        task_name_param="taskName",
    ),
    "8.0": Dialect(
        version="8.0",
        auth_error="Username or password is wrong",
        generic_codes=(0, 1, 2, 3, 4, 5, 6, 7),
        async_exec_request_id=True,
        task_log_key="result",
        task_name_param="taskName",
    ),
}


def get_dialect(version: str) -> Dialect:
    """The dialect of TAC ``version`` (``5.6``, ``6.3``, ``7.3`` or ``8.0``)."""
    try:
        return DIALECTS[version]
    except KeyError:
        known = ", ".join(sorted(DIALECTS))
        raise ValueError(f"unknown TAC version {version!r}: expected one of {known}")
