"""Requests are read in every encoding real clients send.

Each request carries a wrong password, so it runs nothing: the reply must be
the authentication error (3), which proves the request was decoded (an
undecodable one gets another code).
"""

from __future__ import annotations

import pytest

from mock_tac.contract import check_reply

ENCODINGS = {
    "GET standard padded (most clients)": {},
    "POST body": {"method": "POST"},
    "URL-safe alphabet, no padding": {"urlsafe": True, "padded": False},
    "percent-encoded": {"percent": True},
    "POST wrapped at 76 (base64 without -w0)": {"method": "POST", "wrap": 76},
    "GET percent-encoded and wrapped": {"percent": True, "wrap": 76},
    "pretty JSON": {"json": "pretty"},
    "pretty JSON, CRLF": {"json": "crlf"},
    "single-quoted JSON (8.0 CLI docs)": {"json": "single-quoted"},
}


@pytest.mark.parametrize("style", ENCODINGS.values(), ids=ENCODINGS.keys())
def test_each_encoding_is_decoded(tac, style: dict) -> None:
    params = {
        "actionName": "getTaskExecutionStatus",
        "authUser": tac.user,
        "authPass": tac.password + "-wrong",
        "execRequestId": "1000000000000_zzzzz",
    }

    reply = tac.send(params, **style)

    check_reply("getTaskExecutionStatus", reply, "error")
    assert reply["returnCode"] == 3, reply
