"""Version dialects: what changed in MetaServlet between TAC releases."""

from __future__ import annotations

from dataclasses import dataclass, replace

from . import codes

DEFAULT_VERSION = "8.0"


@dataclass(frozen=True)
class Dialect:
    """The details of one TAC version the mock can speak."""

    version: str
    auth_error: str
    generic_codes: tuple[int, ...]
    #: runTask returns an execRequestId (5.6+); before, clients poll getTaskStatus.
    run_task_exec_request_id: bool
    task_log_key: str
    task_name_param: str
    #: help prints ``Requires rights`` per command (8.0 only).
    help_rights: bool = False
    #: getTaskIdByName's returnCode when no task has the name.
    task_name_miss_code: int = codes.INVALID_PARAMETER

    @property
    def refuses_insufficient_right(self) -> bool:
        """True if TAC answers 7 (Insufficient right): from 6.3, which lists it.

        Before, a user without the management right is let through by every
        command but runTask (which has its own 32).
        """
        return codes.INSUFFICIENT_RIGHT in self.generic_codes

    def answers(self, code: int) -> bool:
        """True if a command's specific ``code`` is ever answered in this version.

        help lists a command's specific codes only when this holds, so a
        client building its error table from help finds what it will get.
        """
        if code == codes.NO_TASK_WITH_NAME:
            return self.task_name_miss_code == code
        return True

    def has(self, since: str) -> bool:
        """True if a command that appeared in TAC ``since`` exists in this version."""
        return _version_key(since) <= _version_key(self.version)


#: 5.6: execRequestId and getTaskExecutionStatus appear; "taskName" replaces
#: "label"; taskLog answers under "result"; the 5.x authentication text, and
#: the 5.x help's 79 for a getTaskIdByName miss.
_TAC_56 = Dialect(
    version="5.6",
    auth_error="Incorrect password",
    generic_codes=(0, 1, 2, 3, 4, 5, 6),
    run_task_exec_request_id=True,
    task_log_key="result",
    task_name_param="taskName",
    task_name_miss_code=codes.NO_TASK_WITH_NAME,
)
#: 6.3 lists generic code 7 and says "Username or password is wrong"; a
#: getTaskIdByName miss answers 5, as 7/8-era lookups do.
_TAC_63 = replace(
    _TAC_56,
    version="6.3",
    auth_error="Username or password is wrong",
    generic_codes=(0, 1, 2, 3, 4, 5, 6, 7),
    task_name_miss_code=codes.INVALID_PARAMETER,
)

DIALECTS: dict[str, Dialect] = {
    # Before 5.6: no execRequestId (clients poll getTaskStatus), the 5.4-era
    # help's getTaskIdByName sample sends "label", and a 5.1/5.2 taskLog
    # reply carried its text under "Task Log's contents: ".
    "5.4": replace(
        _TAC_56,
        version="5.4",
        run_task_exec_request_id=False,
        task_log_key="Task Log's contents: ",
        task_name_param="label",
    ),
    "5.6": _TAC_56,
    "6.3": _TAC_63,
    "7.3": replace(_TAC_63, version="7.3"),
    # 8.0's help adds "Requires rights" to every command.
    "8.0": replace(_TAC_63, version="8.0", help_rights=True),
}


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def get_dialect(version: str) -> Dialect:
    """The dialect of TAC ``version`` (``5.4``, ``5.6``, ``6.3``, ``7.3``, ``8.0``)."""
    try:
        return DIALECTS[version]
    except KeyError:
        known = ", ".join(sorted(DIALECTS))
        raise ValueError(
            f"unknown TAC version {version!r}: expected one of {known}"
        ) from None
