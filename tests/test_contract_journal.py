"""Journal queries that client assertions need."""

from __future__ import annotations

from mock_tac import MockTac, encode_request

ADMIN = {"authUser": "admin@company.com", "authPass": "admin"}


def started(task_id: int = 3) -> tuple:
    """An engine with one asynchronous run of task 3 (ends on its 4th poll)."""
    engine = MockTac(clock="virtual").engine()
    reply = engine.call(
        {"actionName": "runTask", **ADMIN, "taskId": task_id, "mode": "asynchronous"}
    )
    return engine, reply["execRequestId"]


def poll(engine, rid: str) -> dict:
    return engine.call(
        {"actionName": "getTaskExecutionStatus", **ADMIN, "execRequestId": rid}
    )


class TestPolling:
    def test_a_client_that_stops_at_the_end(self) -> None:
        engine, rid = started()
        while "jobExitCode" not in poll(engine, rid):
            pass

        journal = engine.journal
        assert journal.execution_ids() == [rid]
        assert journal.polls_per_execution() == {rid: 4}
        assert journal.end_seen(rid).seq == 5
        assert journal.stopped_polling_after_end()

    def test_polls_after_the_end_are_listed(self) -> None:
        engine, rid = started()
        for _ in range(6):
            poll(engine, rid)

        assert [e.seq for e in engine.journal.polls_after_end()] == [6, 7]
        assert not engine.journal.stopped_polling_after_end(rid)

    def test_a_synchronous_run_shows_its_end_in_the_run_reply(self) -> None:
        engine = MockTac(clock="virtual").engine()
        engine.call(
            {"actionName": "runTask", **ADMIN, "taskId": 1, "mode": "synchronous"}
        )
        (rid,) = engine.journal.execution_ids()

        assert engine.journal.end_seen(rid).action == "runTask"
        assert engine.journal.polls_per_execution() == {rid: 0}

    def test_an_unpolled_execution_has_no_rate(self) -> None:
        engine, rid = started()

        assert engine.journal.poll_rate(rid) is None
        assert engine.journal.end_seen(rid) is None


class TestEncodings:
    def test_encodings_are_counted_and_undecodable_requests_listed(self) -> None:
        engine = MockTac(clock="virtual").engine()
        params = {"actionName": "runTask", **ADMIN, "taskId": 1, "mode": "synchronous"}
        engine.handle_raw(encode_request(params).encode(), "GET")
        engine.handle_raw(encode_request(params).encode(), "GET")
        engine.handle_raw(
            encode_request(params, urlsafe=True, padded=False).encode(), "POST"
        )
        engine.handle_raw(b'{"actionName":"runTask"}', "GET")

        counts = engine.journal.encodings()
        assert sorted(counts.values()) == [1, 2]
        assert {dict(key)["method"] for key in counts} == {"GET", "POST"}
        (bad,) = engine.journal.undecodable()
        assert bad.seq == 4 and bad.return_code == 2
