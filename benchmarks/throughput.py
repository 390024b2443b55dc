"""Throughput of mock-tac beside a bare peer, in one run on this machine.

Prints requests per second for runTask + getTaskExecutionStatus round trips
against mock-tac (full decoding, engine, journal) and against a minimal WSGI
app on the same waitress server that answers a fixed JSON object (the floor
the transport sets), with 1 and 16 client threads; then the wall time a
polling client needs to see a one-hour job end on a virtual clock.

    .venv/bin/python benchmarks/throughput.py [--seconds 3]

Figures are for comparing the two columns of one run: shared machines are
noisy, so absolute numbers vary from run to run.
"""

from __future__ import annotations

import argparse
import threading
import time

import requests
from waitress.server import create_server

from mock_tac import MockTac
from mock_tac.protocol import encode_request
from mock_tac.server import LiveServer

AUTH = {"authUser": "admin@company.com", "authPass": "admin"}
RUN = {"actionName": "runTask", **AUTH, "taskId": 6, "mode": "asynchronous"}


def fixed_reply_app(environ, start_response):
    body = b'{"execRequestId":"1406817216723_97nsV","returnCode":0}'
    start_response("200 OK", [("Content-Type", "application/json;charset=UTF-8")])
    return [body]


def hammer(url: str, seconds: float, threads: int) -> float:
    """Requests per second: each worker alternates runTask and a status poll."""
    done = [0] * threads
    stop = time.monotonic() + seconds

    def worker(index: int) -> None:
        session = requests.Session()
        run = encode_request(RUN)
        while time.monotonic() < stop:
            reply = session.get(f"{url}?{run}", timeout=10).json()
            rid = reply.get("execRequestId", "x")
            poll = {
                "actionName": "getTaskExecutionStatus",
                **AUTH,
                "execRequestId": rid,
            }
            session.get(f"{url}?{encode_request(poll)}", timeout=10)
            done[index] += 2

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return sum(done) / seconds


def one_hour_job_wall_seconds() -> float:
    """Wall time for a polling client to see task 4 (one hour) end, virtual clock."""
    with LiveServer(MockTac(clock="virtual")) as server:
        started = time.perf_counter()
        rid = requests.get(
            f"{server.url}?{encode_request({**RUN, 'taskId': 4})}"
        ).json()
        poll = {"actionName": "getTaskExecutionStatus", **AUTH, **rid}
        poll.pop("executionTime"), poll.pop("returnCode")
        while True:
            reply = requests.get(f"{server.url}?{encode_request(poll)}").json()
            if reply["execBasicStatus"] != "RUNNING":
                return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()

    peer = create_server(fixed_reply_app, host="127.0.0.1", port=0, threads=32)
    threading.Thread(target=peer.run, daemon=True).start()
    peer_url = (
        f"http://127.0.0.1:{peer.effective_port}/org.talend.administrator/metaServlet"
    )

    print(f"{'clients':>8} {'mock-tac req/s':>16} {'fixed-reply peer req/s':>24}")
    with LiveServer(MockTac(clock="virtual")) as server:
        for threads in (1, 16):
            mock_rate = hammer(server.url, args.seconds, threads)
            peer_rate = hammer(peer_url, args.seconds, threads)
            print(f"{threads:>8} {mock_rate:>16.0f} {peer_rate:>24.0f}")
    print(
        f"one-hour job, polled to its end on a virtual clock: "
        f"{one_hour_job_wall_seconds() * 1000:.1f} ms of wall time"
    )


if __name__ == "__main__":
    main()
