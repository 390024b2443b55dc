"""``mock-tac call``: a MetaServlet client with the options of TAC's MetaServletCaller.

Scripts written for ``MetaServletCaller.sh`` work with it unchanged, against
mock-tac or a real TAC alike::

    mock-tac call --tac-url=http://localhost:8080/org.talend.administrator/ \\
        --json-params="{'actionName':'getTaskIdByName','authUser':'admin@company.com',
        'authPass':'admin','taskName':'load_customers'}"

``--tac-url`` is the web application's root; ``/metaServlet`` is appended
unless the URL already ends with it. The request JSON may use single quotes,
as TAC 8's documentation writes it. The reply is printed as one line of JSON
(``-f``: indented), so a script can read the first line of the output.
Long options also work with a single dash (``-tac-url=...``), as some TAC
pages write them.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit, urlunsplit

import json5
import requests

from .journal import mask_secrets
from .protocol import ProtocolError, parse_json_object

SERVLET = "metaServlet"
DEFAULT_TIMEOUT = 300.0
#: Exit statuses: a reply was printed; no reply (transport); bad usage.
EXIT_REPLY, EXIT_NO_REPLY, EXIT_USAGE = 0, 1, 2
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
#: A query string in an error message: the whole request, password included.
_QUERY = re.compile(r"\?[A-Za-z0-9+/=%_\-]+")


class UsageError(Exception):
    """The command line cannot make a request; the message says why."""


def add_call_parser(commands: argparse._SubParsersAction) -> None:
    """Add ``call`` to the ``mock-tac`` subcommands."""
    parser = commands.add_parser(
        "call",
        help="send one MetaServlet request, as TAC's MetaServletCaller does",
        description="A MetaServlet client with the options of TAC's "
        "MetaServletCaller: prints the JSON reply as its first line.",
        add_help=False,
        allow_abbrev=False,
    )
    add_caller_options(parser)
    parser.set_defaults(func=run_call)


def add_caller_options(parser: argparse.ArgumentParser) -> None:
    """MetaServletCaller's options, in their short, long and single-dash forms."""
    parser.add_argument(
        "-url",
        "--tac-url",
        "-tac-url",
        dest="tac_url",
        metavar="URL",
        help="TAC web application root, e.g. "
        "http://localhost:8080/org.talend.administrator/",
    )
    parser.add_argument(
        "-json",
        "--json-params",
        "-json-params",
        dest="json_params",
        metavar="JSON",
        help="the request, a JSON object (single quotes allowed)",
    )
    parser.add_argument(
        "--json-file",
        "-json-file",
        "--file",
        "-file",
        dest="json_file",
        metavar="PATH",
        help="read the request JSON from a file",
    )
    parser.add_argument(
        "-f",
        "--format-output",
        "-format-output",
        dest="format_output",
        action="store_true",
        help="print the reply indented",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        "-verbose",
        dest="verbose",
        action="store_true",
        help="also print the request and the HTTP exchange (on stderr)",
    )
    parser.add_argument(
        "-h",
        "--help",
        "-help",
        dest="help_topic",
        nargs="?",
        const="",
        metavar="all|COMMAND",
        help="alone: these options, or with --tac-url the server's list of "
        "commands; 'all' or a command name: the server's help for it",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="give up waiting for the reply after this long (%(default)s)",
    )


def run_call(args: argparse.Namespace) -> int:
    """Send the request the options describe and print the reply."""
    try:
        _check_timeout(args.timeout)
        if args.help_topic is not None:
            return _show_help(args)
        url = servlet_url(_required_url(args))
        params = request_params(args.json_params, args.json_file)
    except UsageError as exc:
        print(f"usage: {exc} (see mock-tac call --help)", file=sys.stderr)
        return EXIT_USAGE
    return _send_and_print(url, params, args)


def servlet_url(tac_url: str) -> str:
    """The metaServlet URL under a TAC web-app root (kept if already there).

    Raises:
        UsageError: not an http(s) URL with a host, or not a valid URL at all
            (an unclosed ``[`` of an IPv6 address, a port out of range).
    """
    try:
        parts = urlsplit(tac_url.strip())
        port = parts.port  # a port out of range raises ValueError
    except ValueError as exc:
        raise UsageError(f"--tac-url {tac_url!r} is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"--tac-url must be an http:// or https:// URL, got {tac_url!r}"
        )
    if port == 0:
        raise UsageError(f"--tac-url {tac_url!r} names port 0, where no server listens")
    path = parts.path.rstrip("/")
    if path.rsplit("/", 1)[-1] != SERVLET:
        path = f"{path}/{SERVLET}"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def request_params(json_params: str | None, json_file: str | None) -> dict[str, Any]:
    """The request object from ``--json-params`` or ``--json-file``.

    Raises:
        UsageError: neither or both given, unreadable file, not a JSON object.
    """
    if json_params is not None and json_file is not None:
        raise UsageError("give --json-params or --json-file, not both")
    if json_file is not None:
        try:
            data = Path(json_file).read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read --json-file {json_file}: {exc}") from None
        source = f"--json-file {json_file}"
    elif json_params is not None:
        data = json_params.encode("utf-8")
        source = "--json-params"
    else:
        raise UsageError("Missing required option: json-params (or --json-file)")
    try:
        parse_json_object(data)
    except ProtocolError as exc:
        raise UsageError(f"{source}: {exc}") from None
    return _as_written(data)


def _as_written(data: bytes) -> dict[str, Any]:
    """The request object exactly as its text writes it.

    :func:`parse_json_object`, which checked the text, reads it as a server
    does: a lone surrogate escape (``"\\ud800"``) becomes U+FFFD. A client
    sends what it was given, so the escape is kept (see :func:`encode_params`).
    """
    text = data.decode("utf-8-sig")
    try:
        return json.loads(text)
    except ValueError:
        return json5.loads(text)


def encode_params(params: dict[str, Any]) -> str:
    """Compact JSON, standard Base64 with padding: what TAC's own tools send.

    Text goes out as UTF-8, except a lone UTF-16 surrogate, which UTF-8
    cannot hold: it is written as its JSON escape (``\\ud800``), as given.
    """
    text = _json_text(params, separators=(",", ":"))
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _json_text(value: Any, **options: Any) -> str:
    """JSON with non-ASCII kept, but lone surrogates escaped (UTF-8 safe)."""
    text = json.dumps(value, ensure_ascii=False, **options)
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _check_timeout(timeout: float) -> None:
    if not (math.isfinite(timeout) and timeout > 0):
        raise UsageError(
            f"--timeout must be a positive number of seconds, got {timeout:g}"
        )


def send(url: str, params: dict[str, Any], timeout: float) -> requests.Response:
    """GET ``url?<base64 request>``; the Base64 goes raw into the query string."""
    return requests.get(f"{url}?{encode_params(params)}", timeout=timeout)


def _send_and_print(url: str, params: dict[str, Any], args: argparse.Namespace) -> int:
    out, err = sys.stdout, sys.stderr
    if args.verbose:
        print(f"URL: {_without_password(url)}", file=err)
        print(f"Request: {json.dumps(mask_secrets(params))}", file=err)
    started = time.monotonic()
    try:
        response = send(url, params, args.timeout)
    except requests.RequestException as exc:
        print(
            f"mock-tac call: no reply from {_without_password(url)}: {_reason(exc)}",
            file=err,
        )
        return EXIT_NO_REPLY
    if args.verbose:
        millis = (time.monotonic() - started) * 1000
        print(f"HTTP {response.status_code} in {millis:.0f} ms", file=err)
    reply = _reply_object(response, url, err)
    if reply is None:
        return EXIT_NO_REPLY
    _print_reply(reply, args.format_output, out)
    return EXIT_REPLY


def _without_password(url: str) -> str:
    """``url`` with the password of any ``user:password@`` part masked."""
    return re.sub(r"(//[^/@:]*:)[^/@]*@", r"\1***@", url)


def _reason(exc: requests.RequestException) -> str:
    """Why no reply came, without the request URL: its query is the request,
    password included, in Base64."""
    text = str(exc)
    return _QUERY.sub("?<request>", text)


def _reply_object(
    response: requests.Response, url: str, err: TextIO
) -> dict[str, Any] | None:
    if response.status_code != 200:
        print(
            f"mock-tac call: HTTP {response.status_code} from {_without_password(url)}"
            + (
                " (is --tac-url the TAC web application root?)"
                if response.status_code == 404
                else ""
            ),
            file=err,
        )
        return None
    try:
        reply = response.json()
    except ValueError:
        print(
            f"mock-tac call: the reply from {_without_password(url)} is not JSON",
            file=err,
        )
        return None
    if not isinstance(reply, dict):
        print(
            f"mock-tac call: the reply from {_without_password(url)} "
            "is not a JSON object",
            file=err,
        )
        return None
    return reply


def _print_reply(reply: dict[str, Any], indented: bool, out: TextIO) -> None:
    if indented:
        print(_json_text(reply, indent=2), file=out)
    else:
        print(_json_text(reply, separators=(",", ":")), file=out)


def _show_help(args: argparse.Namespace) -> int:
    """-h alone: the options; with --tac-url, or with a topic: the server's help."""
    if not args.tac_url:
        if args.help_topic:
            raise UsageError(
                f"--help {args.help_topic} asks the server: give --tac-url too"
            )
        print(build_caller_parser().format_help())
        return EXIT_REPLY

    url = servlet_url(args.tac_url)
    params: dict[str, Any] = {"actionName": "help"}
    if args.help_topic:
        params["commandName"] = args.help_topic
    try:
        response = send(url, params, args.timeout)
    except requests.RequestException as exc:
        print(
            f"mock-tac call: no reply from {_without_password(url)}: {_reason(exc)}",
            file=sys.stderr,
        )
        return EXIT_NO_REPLY
    reply = _reply_object(response, url, sys.stderr)
    if reply is None:
        return EXIT_NO_REPLY
    if isinstance(reply.get("help"), str):
        print(reply["help"], end="" if reply["help"].endswith("\n") else "\n")
    else:
        _print_reply(reply, args.format_output, sys.stdout)
    return EXIT_REPLY


def _required_url(args: argparse.Namespace) -> str:
    if not args.tac_url:
        raise UsageError("Missing required option: url")
    return args.tac_url


def build_caller_parser(prog: str = "mock-tac call") -> argparse.ArgumentParser:
    """A stand-alone parser with the caller's options (for ``main``)."""
    parser = argparse.ArgumentParser(prog=prog, add_help=False, allow_abbrev=False)
    add_caller_options(parser)
    parser.set_defaults(func=run_call)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the caller on its own (``python -m mock_tac.call ...``)."""
    return run_call(build_caller_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
