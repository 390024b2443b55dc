"""A small TAC client: run one task and exit with its outcome.

Usage: tac_client.py URL TASK_ID USER PASSWORD [--mode sync|async]
       [--poll-interval S] [--by-name] [--bug NAME]

With ``--by-name``, TASK_ID is the task's name, looked up with getTaskIdByName.

Exit status 0 when the execution ended OK with jobExitCode 0, 1 when the job
failed, 2 when the API refused a request or the reply was unusable. Only the
standard library is used.

``--bug`` turns it into one of the faulty clients the contract kit must
catch; each reproduces a mistake real clients make.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import time
import urllib.parse
import urllib.request

BUGS = {
    "running-is-done": "takes the first status reply as the end, RUNNING included",
    "ignores-exit-code": "judges the job by execBasicStatus, never jobExitCode",
    "ignores-return-code": "never checks returnCode; no jobExitCode reads as 0",
    "polls-after-end": "asks once more after the status showed the end",
    "unencoded-json": "sends the JSON itself, percent-encoded, not Base64",
    "wrong-field": "reads exitCode instead of jobExitCode",
    "bad-mode": "sends mode 'async' instead of 'asynchronous'",
    "polls-too-fast": "polls in a tight loop with no pause",
    "hangs": "waits forever for a poll-counted execution without polling",
}


def call(url: str, params: dict, bug: str | None) -> dict:
    """POST one request and return the decoded reply."""
    text = json.dumps(params)
    if bug == "unencoded-json":
        body = urllib.parse.quote(text).encode("ascii")
    else:
        body = base64.b64encode(text.encode("utf-8"))
    request = urllib.request.Request(url, data=body, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read().decode("utf-8"))


def refused(reply: dict, bug: str | None) -> bool:
    if bug == "ignores-return-code":
        return False
    return reply.get("returnCode") != 0


def exit_code_of(reply: dict, bug: str | None) -> int:
    if bug == "running-is-done":
        return 1 if reply.get("execBasicStatus") == "ERROR" else 0
    if bug == "ignores-exit-code":
        return 0 if reply.get("execBasicStatus") == "OK" else 1
    if bug == "wrong-field":
        return reply.get("exitCode", 0)
    if bug == "ignores-return-code" and "jobExitCode" not in reply:
        return 0
    ok = reply.get("execBasicStatus") == "OK" and reply.get("jobExitCode") == 0
    return 0 if ok else 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("task_id")
    parser.add_argument("user")
    parser.add_argument("password")
    parser.add_argument("--mode", choices=("sync", "async"), default="async")
    parser.add_argument("--poll-interval", type=float, default=0.05)
    parser.add_argument("--bug", choices=sorted(BUGS))
    parser.add_argument("--by-name", action="store_true", help="TASK_ID is a name")
    args = parser.parse_args(argv)
    bug = args.bug
    auth = {"authUser": args.user, "authPass": args.password}

    task_id = args.task_id
    if args.by_name:
        found = call(
            args.url,
            {"actionName": "getTaskIdByName", **auth, "taskName": task_id},
            bug,
        )
        if refused(found, bug):
            print(
                f"refused: {found.get('returnCode')} {found.get('error')}",
                file=sys.stderr,
            )
            return 2
        task_id = found["taskId"]

    mode = "synchronous" if args.mode == "sync" else "asynchronous"
    if bug == "bad-mode":
        mode = "async"
    reply = call(
        args.url,
        {"actionName": "runTask", **auth, "taskId": int(task_id), "mode": mode},
        bug,
    )
    if refused(reply, bug):
        print(
            f"refused: {reply.get('returnCode')} {reply.get('error')}", file=sys.stderr
        )
        return 2
    if args.mode == "sync" or "execRequestId" not in reply:
        return 0 if exit_code_of(reply, bug) == 0 else 1

    exec_request_id = reply["execRequestId"]
    if bug == "hangs":
        while True:
            time.sleep(1)
    extra_poll = bug == "polls-after-end"
    while True:
        if bug != "polls-too-fast":
            time.sleep(args.poll_interval)
        status = call(
            args.url,
            {
                "actionName": "getTaskExecutionStatus",
                **auth,
                "execRequestId": exec_request_id,
            },
            bug,
        )
        if refused(status, bug):
            print(
                f"refused: {status.get('returnCode')} {status.get('error')}",
                file=sys.stderr,
            )
            return 2
        if bug == "running-is-done":
            break
        if "jobExitCode" in status or status.get("execBasicStatus") != "RUNNING":
            if extra_poll:
                extra_poll = False
                continue
            break
    print(json.dumps(status))
    return 0 if exit_code_of(status, bug) == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
