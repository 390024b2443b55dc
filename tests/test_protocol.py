"""Decoding MetaServlet requests as real clients encode them."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_tac.protocol import (
    ProtocolError,
    decode_request,
    encode_reply,
    encode_request,
)

PARAMS = {"actionName": "runTask", "taskId": 1, "mode": "asynchronous"}
# Chosen so that its standard Base64 contains '+', '/' and padding.
TRICKY = {"actionName": "help", "commandName": ">>>???~~~", "x": "ÿþ"}


def b64(text: str) -> bytes:
    return base64.b64encode(text.encode()).strip()


class TestBase64Variants:
    def test_standard_alphabet_with_padding(self) -> None:
        """The common case: standard alphabet, '=' padding, sent raw."""
        raw = encode_request(TRICKY).encode()
        assert b"+" in raw or b"/" in raw
        decoded = decode_request(raw, "GET")
        assert decoded.params == TRICKY
        assert decoded.encoding.alphabet == "standard"
        assert decoded.encoding.padded

    def test_plus_is_never_read_as_space(self) -> None:
        """A '+' in the query string stays a '+' (no form decoding)."""
        raw = encode_request(TRICKY).encode()
        assert b"+" in raw
        assert decode_request(raw, "GET").params == TRICKY

    def test_urlsafe_alphabet_without_padding(self) -> None:
        raw = encode_request(TRICKY, urlsafe=True, padded=False).encode()
        assert b"=" not in raw and (b"-" in raw or b"_" in raw)
        decoded = decode_request(raw, "GET")
        assert decoded.params == TRICKY
        assert decoded.encoding.alphabet == "urlsafe"
        assert not decoded.encoding.padded

    def test_percent_encoded_plus_slash_and_padding(self) -> None:
        raw = encode_request(TRICKY, percent=True).encode()
        assert b"%2B" in raw or b"%2F" in raw
        assert b"%3D" in raw
        decoded = decode_request(raw, "GET")
        assert decoded.params == TRICKY
        assert decoded.encoding.percent_encoded

    def test_line_wrapped_at_76_columns(self) -> None:
        """Shell `base64` without -w0 wraps its output."""
        long_params = {**PARAMS, "context": {"var": "v" * 200}}
        raw = encode_request(long_params, wrap=76).encode()
        assert b"\n" in raw
        decoded = decode_request(raw + b"\n", "POST")
        assert decoded.params == long_params
        assert decoded.encoding.wrapped

    def test_crlf_wrapped_base64(self) -> None:
        raw = encode_request({**PARAMS, "pad": "x" * 100}, wrap=76).replace(
            "\n", "\r\n"
        )
        assert decode_request(raw.encode(), "POST").params["pad"] == "x" * 100

    def test_form_style_body_is_accepted(self) -> None:
        raw = b"params=" + encode_request(PARAMS).encode()
        assert decode_request(raw, "POST").params == PARAMS


class TestLenientJson:
    @pytest.mark.parametrize(
        "text, style",
        [
            ('{"actionName":"runTask","taskId":1}', "compact"),
            ('{\n  "actionName": "runTask",\n  "taskId": 1\n}', "pretty"),
            ('{\r\n  "actionName": "runTask",\r\n  "taskId": 1\r\n}', "crlf"),
            ("{'actionName':'runTask','taskId':1}", "lenient"),
            ("{actionName: 'runTask', taskId: 1}", "lenient"),
        ],
    )
    def test_json_styles(self, text: str, style: str) -> None:
        decoded = decode_request(b64(text), "GET")
        assert decoded.params == {"actionName": "runTask", "taskId": 1}
        assert decoded.encoding.json == style

    def test_numeric_strings_are_kept_as_sent(self) -> None:
        """Ids as strings reach the commands unchanged; they accept both."""
        decoded = decode_request(b64("{'taskId':'8'}"), "GET")
        assert decoded.params == {"taskId": "8"}

    def test_utf8_bom_is_ignored(self) -> None:
        raw = base64.b64encode('\ufeff{"a": 1}'.encode())
        assert decode_request(raw, "GET").params == {"a": 1}


class TestMalformed:
    @pytest.mark.parametrize(
        "raw, fragment",
        [
            (b"", "Empty request"),
            (b"   ", "Empty request"),
            (b"not base64 at all!", "not Base64"),
            (b"abcde", "impossible length"),
            (base64.b64encode(b"\xff\xfe\xfa"), "not UTF-8"),
            (base64.b64encode(b"{broken"), "not JSON"),
            (base64.b64encode(b"[1, 2]"), "expected a JSON object, got array"),
            (base64.b64encode(b'"text"'), "expected a JSON object, got string"),
            (base64.b64encode(b"null"), "expected a JSON object, got null"),
        ],
    )
    def test_errors_name_the_problem(self, raw: bytes, fragment: str) -> None:
        with pytest.raises(ProtocolError, match=fragment):
            decode_request(raw, "GET")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(
    params=st.dictionaries(st.text(max_size=12), json_values, max_size=6),
    urlsafe=st.booleans(),
    padded=st.booleans(),
    percent=st.booleans(),
    wrap=st.sampled_from([0, 4, 60, 76]),
    method=st.sampled_from(["GET", "POST"]),
)
def test_every_client_encoding_round_trips(
    params: dict, urlsafe: bool, padded: bool, percent: bool, wrap: int, method: str
) -> None:
    """Whatever combination a client uses, the server reads the same object."""
    raw = encode_request(
        params, urlsafe=urlsafe, padded=padded, percent=percent, wrap=wrap
    )
    assert decode_request(raw.encode(), method).params == params


@given(raw=st.binary(max_size=200))
def test_arbitrary_bytes_decode_or_fail_cleanly(raw: bytes) -> None:
    """Garbage never escapes as anything but ProtocolError."""
    try:
        decoded = decode_request(raw, "GET")
    except ProtocolError:
        return
    assert isinstance(decoded.params, dict)


def test_replies_are_compact_with_sorted_keys() -> None:
    body = encode_reply({"returnCode": 0, "execRequestId": "x", "error": "é"})
    assert body == '{"error":"é","execRequestId":"x","returnCode":0}'.encode()
    assert json.loads(body)["error"] == "é"


class TestLoneSurrogates:
    """Half of a surrogate pair (an emoji cut in two) is read as U+FFFD."""

    @pytest.mark.parametrize(
        "text", ['{"taskName": "\\ud800"}', "{'taskName': 'x\\udc00', }"]
    )
    def test_replaced_in_values(self, text: str) -> None:
        params = decode_request(b64(text), "GET").params
        assert params["taskName"].endswith("\ufffd")
        params["taskName"].encode("utf-8")

    def test_replaced_in_keys_and_nested_values(self) -> None:
        text = '{"\\udbff": {"v": ["\\ud800"]}}'
        params = decode_request(b64(text), "GET").params
        assert params == {"\ufffd": {"v": ["\ufffd"]}}

    def test_pairs_are_kept(self) -> None:
        """A pair, even as JSON5 reads it (two halves), stays one character."""
        for text in ['{"e": "\\ud83d\\ude00"}', "{e: '\\ud83d\\ude00'}"]:
            assert decode_request(b64(text), "GET").params == {"e": "\U0001f600"}

    def test_a_reply_never_fails_to_encode(self) -> None:
        assert encode_reply({"error": "id=\ud800"}) == b'{"error":"id=?"}'


class TestNesting:
    """JSON nested beyond MAX_JSON_DEPTH is refused before any parser recurses."""

    @pytest.mark.parametrize(
        "text",
        [
            '{"a": ' + "[" * 31 + "]" * 31 + "}",
            "{a: " + "{b: " * 31 + "1" + "}" * 31 + "}",
            '{"a": "' + "[" * 500 + '"}',  # brackets in a string do not count
        ],
    )
    def test_up_to_the_limit_is_read(self, text: str) -> None:
        assert "a" in decode_request(b64(text), "GET").params

    @pytest.mark.parametrize(
        "text",
        [
            '{"a": ' + "[" * 32 + "]" * 32 + "}",
            '{"a": ' + "[" * 5000 + "]" * 5000 + "}",
            "{'a': " + "[" * 150 + "]" * 150 + "}",
            "{a: 1, // it's\n b: " + "[" * 150 + "]" * 150 + "}",
            "{a: 1, /* ' */ b: " + "{c: " * 150 + "1" + "}" * 150 + "}",
        ],
    )
    def test_deeper_is_refused(self, text: str) -> None:
        with pytest.raises(ProtocolError, match="nested too deeply \\(more than 32"):
            decode_request(b64(text), "GET")


class TestNonFiniteNumbers:
    """NaN and infinities cannot be written back as JSON: they are refused."""

    @pytest.mark.parametrize(
        "text", ['{"taskId": NaN}', '{"x": [1e400]}', "{x: {y: -Infinity}}"]
    )
    def test_refused(self, text: str) -> None:
        with pytest.raises(ProtocolError, match="is not a finite number"):
            decode_request(b64(text), "GET")


def test_too_many_digits_is_explained_without_python_advice() -> None:
    raw = b64('{"taskId": ' + "1" * 5000 + "}")
    with pytest.raises(ProtocolError) as caught:
        decode_request(raw, "GET")
    assert "a number has more than 4300 digits" in str(caught.value)
    assert "sys." not in str(caught.value)


def test_parse_errors_never_quote_the_request_text() -> None:
    """A bare password value must not leak, even one character of it."""
    text = '{"actionName":"runTask","authUser":"x","authPass":SECRETbare,"taskId":1}'
    with pytest.raises(ProtocolError) as caught:
        decode_request(encode_request({}, json_text=text).encode(), "GET")
    message = str(caught.value)
    assert "line 1: an unexpected character at column 51" in message
    assert '"S"' not in message and "SECRET" not in message


def test_padding_in_the_middle_is_named() -> None:
    with pytest.raises(ProtocolError, match="'=' before the end"):
        decode_request(b"a=b", "GET")
