"""Isolated namespaces: own state, clock, faults and journal; atomic under load."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from mock_tac import MockTac
from mock_tac.admin import AdminClient
from mock_tac.protocol import encode_request
from mock_tac.server import LiveServer

ADMIN = {"authUser": "admin@company.com", "authPass": "admin"}
PARALLEL = 6  # the built-in scenario's concurrent-allowed task
THREADS = 32
RUNS_PER_THREAD = 10


@pytest.fixture
def server() -> Iterator[LiveServer]:
    with LiveServer(MockTac(clock="virtual", clock_auto=False)) as live:
        yield live


def call(
    url: str, session: requests.Session | None = None, **params: Any
) -> requests.Response:
    query = encode_request({**ADMIN, **params})
    return (session or requests).get(f"{url}?{query}", timeout=30)


class TestIsolation:
    """What happens in one namespace stays there."""

    def test_executions_and_journal(self, server: LiveServer):
        call(
            server.namespace_url("a"),
            actionName="runTask",
            taskId=1,
            mode="asynchronous",
        )
        admin = AdminClient(server.base_url)
        assert len(admin.executions("a")) == 1
        assert admin.executions("b") == []
        assert admin.executions() == []
        assert admin.journal("a")["count"] == 1
        assert admin.journal("b")["count"] == 0

    def test_faults(self, server: LiveServer):
        admin = AdminClient(server.base_url)
        admin.add_fault("a", fault="http_error", status=502)
        assert call(server.namespace_url("a"), actionName="help").status_code == 502
        assert call(server.namespace_url("b"), actionName="help").status_code == 200
        assert call(server.url, actionName="help").status_code == 200

    def test_clocks(self, server: LiveServer):
        admin = AdminClient(server.base_url)
        before = admin.clock("b")["now"]
        admin.advance_clock(3600, "a")
        assert admin.clock("b")["now"] == before
        assert admin.clock("a")["now"] >= before + 3600

    def test_reset_one_namespace(self, server: LiveServer):
        for name in ("a", "b"):
            call(
                server.namespace_url(name),
                actionName="runTask",
                taskId=1,
                mode="asynchronous",
            )
        admin = AdminClient(server.base_url)
        admin.add_fault("a", fault="empty")
        assert admin.reset("a") == {"reset": ["a"]}
        assert admin.executions("a") == []
        assert admin.faults("a") == []
        assert len(admin.executions("b")) == 1

    def test_scenario_per_namespace(self, server: LiveServer):
        admin = AdminClient(server.base_url)
        admin.load_scenario(
            {
                "tasks": [{"id": 42, "label": "only_here"}],
                "faults": [{"fault": "launch_error", "action": "runTask"}],
            },
            namespace="a",
        )
        run = {"actionName": "runTask", "taskId": 42, "mode": "asynchronous"}
        assert call(server.namespace_url("a"), **run).json()["returnCode"] == 30
        assert call(server.namespace_url("b"), **run).json()["returnCode"] == 5
        assert [t["id"] for t in admin.tasks("a")] == [42]

    def test_restart_one_namespace(self, server: LiveServer):
        rids = {}
        for name in ("a", "b"):
            rids[name] = call(
                server.namespace_url(name),
                actionName="runTask",
                taskId=4,
                mode="asynchronous",
            ).json()["execRequestId"]
        assert AdminClient(server.base_url).restart("a") == 1
        poll = {"actionName": "getTaskExecutionStatus"}
        a = call(server.namespace_url("a"), execRequestId=rids["a"], **poll).json()
        b = call(server.namespace_url("b"), execRequestId=rids["b"], **poll).json()
        assert a["returnCode"] == 5
        assert b["returnCode"] == 0


def test_concurrent_runs_are_atomic(server: LiveServer):
    """32 threads, 640 runs over two namespaces: nothing lost, nothing doubled."""
    namespaces = ("load-a", "load-b")
    returned: dict[str, list[str]] = {name: [] for name in namespaces}
    failures: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def client(index: int) -> None:
        name = namespaces[index % 2]
        url = server.namespace_url(name)
        with requests.Session() as session:
            start.wait()
            for _ in range(RUNS_PER_THREAD * 2):
                reply = call(
                    url,
                    session,
                    actionName="runTask",
                    taskId=PARALLEL,
                    mode="asynchronous",
                ).json()
                if reply.get("returnCode") != 0:
                    failures.append(repr(reply))
                    continue
                polled = call(
                    url,
                    session,
                    actionName="getTaskExecutionStatus",
                    execRequestId=reply["execRequestId"],
                ).json()
                if polled.get("returnCode") != 0:
                    failures.append(repr(polled))
                with lock:
                    returned[name].append(reply["execRequestId"])

    workers = [threading.Thread(target=client, args=(i,)) for i in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not any(worker.is_alive() for worker in workers)
    assert failures == []

    per_namespace = THREADS // 2 * RUNS_PER_THREAD * 2
    for name in namespaces:
        ids = returned[name]
        assert len(ids) == per_namespace
        assert len(set(ids)) == per_namespace

        engine = server.mock.engine(name)
        with engine.store.transaction() as state:
            assert set(state.executions) == set(ids)
            task = state.tasks[PARALLEL]
            assert task.runs == per_namespace
            assert sorted(e.run_number for e in state.executions.values()) == list(
                range(1, per_namespace + 1)
            )
            assert sorted(task.execution_ids) == sorted(ids)

        entries = engine.journal.entries()
        assert len(entries) == per_namespace * 2
        assert [e.seq for e in entries] == list(range(1, per_namespace * 2 + 1))
        assert len(engine.journal.entries(action="runTask")) == per_namespace

    assert server.mock.journal().entries() == []  # the default namespace saw nothing


class TestResetDuringASynchronousRun:
    """A reset or new scenario ends a waiting synchronous run with 31, as a restart."""

    @pytest.mark.parametrize(
        "action",
        [
            lambda mock: mock.reset("a"),
            lambda mock: mock.reset(),
            lambda mock: mock.load(mock.scenario),
            lambda mock: mock.load(mock.scenario, "a"),
        ],
        ids=["reset-namespace", "reset-all", "load", "load-namespace"],
    )
    def test_answers_31(self, action):
        mock = MockTac(clock="virtual", clock_auto=False)
        engine = mock.engine("a")
        replies: list[dict] = []
        sync = {**ADMIN, "actionName": "runTask", "taskId": 1, "mode": "synchronous"}
        worker = threading.Thread(target=lambda: replies.append(engine.call(sync)))
        worker.start()
        try:
            deadline = time.monotonic() + 5
            while not mock.executions("a"):
                assert time.monotonic() < deadline
                time.sleep(0.01)
            action(mock)
            worker.join(timeout=5)
            assert not worker.is_alive()
            assert replies[0]["returnCode"] == 31
            assert replies[0]["error"] == "Thread interupted while running"
        finally:
            mock.restart("a")
            engine.restart()
            worker.join(timeout=5)
