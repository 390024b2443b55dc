"""The request journal keeps every request, and never a password in any form."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest

from mock_tac import MockTac
from mock_tac.journal import mask_secrets, preview_raw

SECRET = "Leak3Secret"
#: What a secret looks like in each form a journal reader could spot it.
FORMS = (
    SECRET,
    base64.b64encode(SECRET.encode()).decode()[:10],
    base64.b64encode(b"x" + SECRET.encode()).decode()[4:14],
    base64.b64encode(b"xx" + SECRET.encode()).decode()[4:14],
)


def b64(text: str) -> bytes:
    return base64.b64encode(text.encode())


def holds_secret(text: str) -> bool:
    return any(form in text for form in FORMS)


class TestMaskSecrets:
    @pytest.mark.parametrize(
        "key",
        [
            "authPass",
            "authpass",
            "AuthPass",
            "authPassword",
            "password",
            "PASSWD",
            "pwd",
            "clientSecret",
            "accessToken",
            "credentials",
        ],
    )
    def test_secret_keys_in_any_case(self, key: str) -> None:
        masked = mask_secrets({"authUser": "u", key: SECRET, "x": [{key: SECRET}]})
        assert masked == {"authUser": "u", key: "***", "x": [{key: "***"}]}

    def test_other_keys_are_kept(self) -> None:
        params = {"actionName": "runTask", "taskId": 1, "context": {"a": "b"}}
        assert mask_secrets(params) == params

    def test_requests_journaled_with_any_spelling_are_masked(self) -> None:
        engine = MockTac().engine()
        for key in ("authpass", "AuthPass", "authPassword"):
            engine.call({"actionName": "listTasks", "authUser": "u", key: SECRET})
        dumped = json.dumps([e.as_dict() for e in engine.journal])
        assert not holds_secret(dumped)


class TestUndecodablePreview:
    """What an undecodable request leaves in the journal hides its password."""

    @pytest.mark.parametrize(
        "raw",
        [
            b64('{"authPass":"x\\"' + SECRET + '","actionName":"help"'),
            b64('{"auth\\u0050ass":"' + SECRET + '","actionName":"help"'),
            b64('{"authPass":"' + SECRET + '", "actionName": "help"}}'),
            b64("{'AuthPassword': '" + SECRET + "', a: 1"),
            b64('{"pwd": {"a": "' + SECRET + '"}, "x": 1'),
            b64('{"authPass" "' + SECRET + '"}}'),
            b64('{"authPass": /* c */ "' + SECRET + '"'),
            b64('{"authPass": ' + SECRET + "}}"),
            b"q=" + b64('{"authPass":"' + SECRET + '"'),
            b"!!" + b64('{"authPass":"' + SECRET + '"'),
            b"\xff\xfe" + b64('{"authPass":"' + SECRET + '"'),
            b64('\x00\xff{"authPass":"' + SECRET + '"')[:-1],
            b'{"authPass":"' + SECRET.encode() + b'"',
            quote('{"authPass":"' + SECRET + '"').encode(),
            quote(quote('{"authPass":"' + SECRET + '"')).encode(),
            b"authPass=" + SECRET.encode() + b"&actionName=help",
        ],
    )
    def test_no_password_in_any_form(self, raw: bytes) -> None:
        engine = MockTac().engine()
        outcome = engine.handle_raw(raw, "GET")
        assert outcome.reply["returnCode"] == 2
        assert outcome.entry.params is None
        assert not holds_secret(json.dumps(outcome.entry.as_dict()))
        assert not holds_secret(preview_raw(raw))

    def test_the_rest_stays_readable(self) -> None:
        raw = b64('{"actionName":"help","authPass":"' + SECRET + '","taskId":1')
        preview = preview_raw(raw)
        assert preview == 'decoded: {"actionName":"help","authPass":***,"taskId":1'
