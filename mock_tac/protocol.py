"""MetaServlet wire format: decoding requests and encoding replies.

A MetaServlet request is one JSON object, Base64-encoded, sent either as the
raw query string of a GET or as the body of a POST. Real clients differ in
the details (alphabet, padding, percent-encoding, line wrapping, JSON
dialect), so decoding is deliberately lenient and records what it saw in an
:class:`Encoding`, which the request journal keeps.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote, unquote_to_bytes

import json5

_WHITESPACE = re.compile(rb"\s+")
_BASE64_CHARS = re.compile(rb"^[A-Za-z0-9+/\-_]*={0,2}$")
_PERCENT_ESCAPE = re.compile(rb"%[0-9A-Fa-f]{2}")
_FORM_NAME = re.compile(rb"[A-Za-z_][\w.\-]*")
_SURROGATE = re.compile("[\ud800-\udfff]")
#: What JSON and JSON5 text nests in: brackets outside strings and comments.
_NESTING_TOKEN = re.compile(
    r"""(?:"(?:[^"\\]+|\\.)*"?|'(?:[^'\\]+|\\.)*'?|//[^\n]*|/\*.*?(?:\*/|$))"""
    r"|(?P<open>[\[{])|(?P<close>[\]}])",
    re.DOTALL,
)
#: How deep a request's JSON may nest; real requests nest two or three levels.
MAX_JSON_DEPTH = 32
_JSON_TYPES = {
    dict: "object",
    list: "array",
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
}
#: Python's own advice when a number has too many digits; a client needs ours.
_TOO_MANY_DIGITS = re.compile(r"Exceeds the limit \((\d+) digits\)")


class ProtocolError(ValueError):
    """The request could not be turned into a JSON object.

    The message says what was wrong; the server answers it with returnCode 2.
    """


@dataclass(frozen=True)
class Encoding:
    """How a request was encoded on the wire.

    ``alphabet`` is ``standard`` or ``urlsafe`` (``-``/``_`` seen), ``json``
    is ``compact``, ``pretty`` (line breaks; ``crlf`` when they were CRLF) or
    ``lenient`` (not strict JSON: single quotes, unquoted keys...).
    """

    method: str
    alphabet: str
    padded: bool
    percent_encoded: bool
    wrapped: bool
    json: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DecodedRequest:
    """A decoded MetaServlet request: its parameters and how they came."""

    params: dict[str, Any]
    encoding: Encoding


def decode_request(raw: bytes, method: str) -> DecodedRequest:
    """Decode the raw query string (GET) or body (POST) of a request.

    The text is percent-decoded (``+`` is kept, never turned into a space),
    stripped of whitespace and line breaks, read in either Base64 alphabet
    with or without padding, and parsed as JSON, falling back to JSON5 for
    single-quoted strings and unquoted keys. A body of the form ``name=value``
    is accepted too when the whole text is not Base64.

    Raises:
        ProtocolError: the text is empty, not Base64, not UTF-8, not JSON, or
            a JSON value other than an object.
    """
    method = method.upper()
    text = raw.strip()
    if not text:
        raise ProtocolError("Empty request: expected a Base64-encoded JSON object")

    try:
        return _decode_text(text, method)
    except ProtocolError as first_error:
        name, sep, value = text.partition(b"=")
        if not sep or not value.strip(b"=") or not _FORM_NAME.fullmatch(name):
            raise
        try:
            return _decode_text(value, method)
        except ProtocolError:
            raise first_error from None


def try_decode(raw: bytes, method: str) -> DecodedRequest | ProtocolError:
    """:func:`decode_request`, returning its error instead of raising it."""
    try:
        return decode_request(raw, method)
    except ProtocolError as exc:
        return exc


def _decode_text(text: bytes, method: str) -> DecodedRequest:
    percent_encoded = bool(_PERCENT_ESCAPE.search(text))
    if percent_encoded:
        text = unquote_to_bytes(text)

    compact = _WHITESPACE.sub(b"", text)
    wrapped = compact != text.strip()
    if not _BASE64_CHARS.match(compact):
        bad = sorted({chr(c) for c in re.sub(rb"[A-Za-z0-9+/\-_=]", b"", compact)})
        if not bad:
            raise ProtocolError("Invalid request: not Base64 ('=' before the end)")
        raise ProtocolError(
            "Invalid request: not Base64 (unexpected characters "
            + ", ".join(repr(c) for c in bad[:5])
            + ")"
        )

    urlsafe = b"-" in compact or b"_" in compact
    padded = compact.endswith(b"=")
    body = compact.rstrip(b"=").replace(b"-", b"+").replace(b"_", b"/")
    if len(body) % 4 == 1:
        raise ProtocolError("Invalid request: Base64 text has an impossible length")
    body += b"=" * (-len(body) % 4)
    try:
        data = base64.b64decode(body, validate=True)
    except binascii.Error as exc:
        raise ProtocolError(f"Invalid request: not Base64 ({exc})") from None

    params, json_style = parse_json_object(data)
    encoding = Encoding(
        method=method,
        alphabet="urlsafe" if urlsafe else "standard",
        padded=padded,
        percent_encoded=percent_encoded,
        wrapped=wrapped,
        json=json_style,
    )
    return DecodedRequest(params=params, encoding=encoding)


def parse_json_object(data: bytes) -> tuple[dict[str, Any], str]:
    """Parse decoded bytes as a JSON object, leniently.

    Returns the object and the style it was written in (``compact``,
    ``pretty``, ``crlf`` or ``lenient``).
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProtocolError("Invalid request: the decoded text is not UTF-8") from None

    check_nesting(text)
    if "\r\n" in text:
        style = "crlf"
    elif "\n" in text:
        style = "pretty"
    else:
        style = "compact"
    try:
        value = json.loads(text)
    except ValueError:
        try:
            value = json5.loads(text)
        except ValueError as exc:
            raise ProtocolError(
                f"Invalid request: the decoded text is not JSON ({json_error(exc)})"
            ) from None
        except RecursionError:  # a nesting the scan above did not see
            raise ProtocolError(_too_deep()) from None
        style = "lenient"
    except RecursionError:
        raise ProtocolError(_too_deep()) from None

    if not isinstance(value, dict):
        kind = json_kind(value)
        raise ProtocolError(f"Invalid request: expected a JSON object, got {kind}")
    return checked_params(value), style


def checked_params(params: dict[str, Any]) -> dict[str, Any]:
    """Request parameters made safe to store and show, or ProtocolError.

    Lone surrogates are replaced (see :func:`without_lone_surrogates`); NaN
    and infinite numbers, which JSON has no way to write back, are refused.
    """
    bad = non_finite_paths(params)
    if bad:
        raise ProtocolError(
            f"Invalid request: {bad[0]} is not a finite number (NaN, Infinity "
            "and numbers too large for a double are not accepted)"
        )
    return without_lone_surrogates(params)


def check_nesting(text: str, limit: int = MAX_JSON_DEPTH) -> None:
    """Refuse JSON (or JSON5) text whose arrays and objects nest over ``limit``.

    Checked before parsing, so no parser, copy or serialiser ever recurses
    deeper than that. Brackets inside strings and comments do not count.

    Raises:
        ProtocolError: the text nests too deeply.
    """
    if text.count("[") + text.count("{") <= limit:
        return
    depth = 0
    for match in _NESTING_TOKEN.finditer(text):
        if match.group("open"):
            depth += 1
            if depth > limit:
                raise ProtocolError(_too_deep(limit))
        elif match.group("close"):
            depth = max(0, depth - 1)


def _too_deep(limit: int = MAX_JSON_DEPTH) -> str:
    return f"Invalid request: the JSON is nested too deeply (more than {limit} levels)"


def non_finite_paths(value: Any, path: str = "") -> list[str]:
    """Where ``value`` holds NaN or an infinity (``1e400`` reads as one).

    Paths are written as scenario problems are: ``tasks[0].lifecycle``.
    """
    if isinstance(value, float):
        return [] if math.isfinite(value) else [path]
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found += non_finite_paths(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += non_finite_paths(item, f"{path}[{index}]")
    return found


def without_lone_surrogates(value: Any) -> Any:
    """``value`` with every unpaired UTF-16 surrogate replaced by U+FFFD.

    JSON lets a client write half of a surrogate pair (``"\\ud800"``, an
    emoji cut in two); Python keeps it as a character no UTF-8 text can
    hold. Replacing it as a Java server writing UTF-8 does keeps every
    stored value serialisable. Pairs split by a parser are joined again.
    Keys and nested values are cleaned too; other values are returned as is.
    """
    if isinstance(value, str):
        if not _SURROGATE.search(value):
            return value
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, dict):
        return {
            without_lone_surrogates(k): without_lone_surrogates(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [without_lone_surrogates(v) for v in value]
    return value


_QUOTED_INPUT = re.compile(r'Unexpected "(?:[^"\\]|\\.)*"|"(?:[^"\\]|\\.)*"')


def json_error(exc: ValueError) -> str:
    """A JSON parser's complaint, worded for a client rather than a Python user."""
    too_long = _TOO_MANY_DIGITS.search(str(exc))
    if too_long:
        return f"a number has more than {too_long.group(1)} digits"
    # Never quote the offending text: it may be part of a password.
    text = _QUOTED_INPUT.sub("an unexpected character", str(exc))
    return re.sub(r"^<string>:(\d+) ", r"line \1: ", text)


def json_kind(value: Any) -> str:
    """What JSON calls the type of ``value``: object, array, string, number..."""
    return _JSON_TYPES.get(type(value), "null")


def as_json_text(value: Any) -> str:
    """A client-sent value shown in an error text as the client wrote it in JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def as_json(value: Any) -> str:
    """Any value as compact JSON, strings quoted: how error texts quote input."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def encode_reply(reply: dict[str, Any]) -> bytes:
    """Serialise a reply as TAC does: compact, keys in alphabetical order.

    A character UTF-8 cannot hold (a lone surrogate) is sent as ``?``.
    """
    return json.dumps(
        reply, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8", "replace")


def encode_request(
    params: dict[str, Any],
    *,
    urlsafe: bool = False,
    padded: bool = True,
    percent: bool = False,
    wrap: int = 0,
    json_text: str | None = None,
) -> str:
    """Encode parameters the way a client would, for tests and tools.

    ``json_text`` replaces the serialised JSON (to send pretty or lenient
    text); ``wrap`` breaks the Base64 into lines of that many characters, as
    the shell's ``base64`` does at 76; ``percent`` then escapes the result
    (line breaks included) as a URL-encoding HTTP library would.
    """
    text = json_text if json_text is not None else json.dumps(params)
    encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
    if urlsafe:
        encoded = encoded.replace("+", "-").replace("/", "_")
    if not padded:
        encoded = encoded.rstrip("=")
    if wrap:
        encoded = "\n".join(encoded[i : i + wrap] for i in range(0, len(encoded), wrap))
    if percent:
        encoded = quote(encoded, safe="")
    return encoded
