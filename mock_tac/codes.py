"""MetaServlet return codes and the texts TAC prints for them."""

from __future__ import annotations

SUCCESS = 0
UNKNOWN_ERROR = 1
INVALID_REQUEST = 2
AUTHENTICATION_ERROR = 3
LICENSE_PROBLEM = 4
INVALID_PARAMETER = 5
FORMATTING_ERROR = 6
INSUFFICIENT_RIGHT = 7

LAUNCH_ERROR = 30
THREAD_INTERRUPTED = 31
NO_RIGHT_TO_RUN = 32
BAD_MODE = 33

#: Generic codes as TAC's help lists them (7 only from 6.3 on).
GENERIC_CODES: dict[int, str] = {
    SUCCESS: "Success",
    UNKNOWN_ERROR: "Unknown error",
    INVALID_REQUEST: "Invalid request",
    AUTHENTICATION_ERROR: "Authentication error",
    LICENSE_PROBLEM: "License problem",
    INVALID_PARAMETER: "Invalid parameter",
    FORMATTING_ERROR: "Error formatting response",
    INSUFFICIENT_RIGHT: "Insufficient right",
}

#: runTask's specific codes, spelled as TAC spells them ("interupted" sic).
RUN_TASK_CODES: dict[int, str] = {
    LAUNCH_ERROR: "Error while launching task",
    THREAD_INTERRUPTED: "Thread interupted while running",
    NO_RIGHT_TO_RUN: "No right to run this task",
    BAD_MODE: (
        "The parameter 'mode' must have the value 'synchronous' or 'asynchronous'"
    ),
}

NO_TASK_WITH_NAME = 79
DEPLOY_ERROR = 170
LOG_READ_ERROR = 220
BAD_DATE_RANGE = 225
BAD_DATE = 226
TASK_PROCESSING = 230

#: Specific codes of the other task commands, as TAC's help prints them.
TASK_NAME_CODES = {NO_TASK_WITH_NAME: "No task with input name."}
DEPLOY_CODES = {DEPLOY_ERROR: "Error while deploying the task"}
TASK_LOG_CODES = {
    LOG_READ_ERROR: "Error happened when reading logs.",
    BAD_DATE_RANGE: "Error happened when date range is illegal.",
    BAD_DATE: "Error appears when parsing the date.",
}
DELETE_TASK_CODES = {
    INVALID_PARAMETER: "No task with this taskId",
    TASK_PROCESSING: "Task is processing during deletion",
}


class ApiError(Exception):
    """A MetaServlet failure: answered as ``{"error": message, "returnCode": code}``."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"ApiError({self.code}, {self.message!r})"
