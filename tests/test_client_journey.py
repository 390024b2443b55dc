"""A client that builds its command table from `help`, against `mock-tac serve`.

The client below does what a real one built against TAC 6.3 does: it reads the
command list from `help`, the sample of each command from `help commandName`,
and then lists tasks, looks one up, checks it is READY_TO_RUN, runs it, polls
it, stops a long run and reads the logs, knowing nothing of mock-tac.
"""

from __future__ import annotations

import base64
import json
import re
import time
import urllib.request

from .test_cli import start

USER, PASSWORD = "admin@company.com", "admin"


class HelpDrivenClient:
    """Sends only commands that `help` announced, shaped like their samples."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.samples: dict[str, dict] = {}
        self.needs_auth: dict[str, bool] = {}

    def send(self, params: dict) -> dict:
        query = base64.b64encode(json.dumps(params).encode()).decode()
        with urllib.request.urlopen(f"{self.url}?{query}", timeout=30) as response:
            return json.loads(response.read())

    def learn(self) -> None:
        listing = self.send({"actionName": "help"})["help"]
        names = [
            line.split()[1]
            for line in listing.splitlines()
            if line.strip().startswith("*")
        ]
        for name in names:
            block = self.send({"actionName": "help", "commandName": name})["help"]
            auth = re.search(r"Requires authentication\s*:\s*(\w+)", block)
            self.needs_auth[name] = auth is not None and auth.group(1) == "true"
            sample = block.split("Sample", 1)[1].split(":", 1)[1]
            sample = sample.split("Specific error codes")[0].strip()
            self.samples[name] = json.loads(sample) if sample else {}

    def call(self, action: str, **params) -> dict:
        if action not in self.samples:
            raise LookupError(f"the server does not offer {action}")
        request = {"actionName": action, **params}
        if self.needs_auth[action]:
            request.update(authUser=USER, authPass=PASSWORD)
        reply = self.send(request)
        if reply["returnCode"] != 0:
            raise RuntimeError(f"{action}: {reply['returnCode']} {reply.get('error')}")
        return reply

    def run_and_wait(self, task_id: int) -> dict:
        rid = self.call("runTask", taskId=task_id, mode="asynchronous")["execRequestId"]
        while True:
            status = self.call("getTaskExecutionStatus", execRequestId=rid)
            if "jobExitCode" in status:
                return status
            time.sleep(0.05)


def test_help_driven_client_runs_unchanged() -> None:
    server = start("--clock", "scaled", "--clock-scale", "20")
    try:
        client = HelpDrivenClient(server.url)
        client.learn()
        assert {"runTask", "getTaskExecutionStatus", "taskLog", "stopTask"} <= set(
            client.samples
        )
        assert client.samples["runTask"]["mode"] in ("synchronous", "asynchronous")
        assert not client.needs_auth["help"] and client.needs_auth["runTask"]

        labels = {t["label"]: t["id"] for t in client.call("listTasks")["result"]}
        task_id = client.call("getTaskIdByName", taskName="load_customers")["taskId"]
        assert str(task_id) == labels["load_customers"]
        assert client.call("getTaskStatus", taskId=task_id)["status"] == "READY_TO_RUN"

        ended = client.run_and_wait(task_id)
        assert (ended["execDetailedStatus"], ended["jobExitCode"]) == ("ENDED_OK", 0)

        long_id = client.call("getTaskIdByName", taskName="nightly_warehouse")["taskId"]
        rid = client.call("runTask", taskId=long_id, mode="asynchronous")[
            "execRequestId"
        ]
        assert client.call("getTaskStatus", taskId=long_id)["status"] == "RUNNING"
        client.call("stopTask", taskId=long_id)
        stopped = client.call("getTaskExecutionStatus", execRequestId=rid)
        assert stopped["execBasicStatus"] == "ERROR" and stopped["jobExitCode"] != 0

        log = client.call("taskLog", taskId=task_id, lastExecution=True)["result"]
        assert "### Job STARTED" in log and "### Job ENDED" in log
    finally:
        server.process.terminate()
        server.process.wait(10)
