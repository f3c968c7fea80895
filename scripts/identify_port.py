"""Says what answers on a local port before run.sh reuses it: `identify_port.py KIND PORT`.

KIND is redis, mongo, simulator or sinks. Exit 0 and a short description when the
expected service answers; exit 1 and what did answer (or that nothing sensible did)
otherwise, so that the run script never adopts a foreign or dying process.
"""

from __future__ import annotations

import json
import socket
import sys
import urllib.error
import urllib.request

TIMEOUT = 2.0
IDENTITY_PATHS = {"simulator": ("/_sim/identity", "socap-x-simulator"), "sinks": ("/_identity", "socap-alert-sinks")}


def _shown(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace").strip()
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return repr(text[:120]) if text else "nothing"


def _exchange(port: int, payloads: list[bytes]) -> list[bytes]:
    """Send each payload in turn on one connection; what came back after each."""
    answers = []
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        for payload in payloads:
            sock.sendall(payload)
            chunks = b""
            try:
                while True:
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    chunks += chunk
                    if chunks.endswith(b"\r\n") and (not chunks.startswith(b"$") or chunks.count(b"\r\n") >= 2):
                        break
            except TimeoutError:
                pass
            answers.append(chunks)
            if not chunks:
                break
    return answers


def what_answers(port: int) -> str:
    """A description of an unknown listener: its banner, or its answer to a line of text."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
            sock.settimeout(0.5)
            try:
                banner = sock.recv(200)
            except TimeoutError:
                banner = b""
            if banner:
                return f"it sent {_shown(banner)}"
            sock.settimeout(TIMEOUT)
            sock.sendall(b"PING\r\n")
            try:
                reply = sock.recv(200)
            except TimeoutError:
                return "it accepted the connection but did not answer"
            return f"it answered {_shown(reply)}" if reply else "it closed the connection without a word"
    except OSError as exc:
        return f"connecting failed ({exc})"


def redis(port: int) -> tuple[bool, str]:
    try:
        pong, info = _exchange(port, [b"PING\r\n", b"INFO server\r\n"])
    except (OSError, ValueError):
        return False, what_answers(port)
    if not pong.startswith(b"+PONG") and not pong.startswith(b"-NOAUTH"):
        return False, f"it answered PING with {_shown(pong)}" if pong else what_answers(port)
    fields = dict(line.split(":", 1) for line in info.decode(errors="replace").splitlines() if ":" in line)
    if "redis_version" not in fields:
        return False, f"it answers PING but INFO server gave {_shown(info)}"
    return True, f"Redis {fields['redis_version']} (mode {fields.get('redis_mode', '?')})"


def mongo(port: int) -> tuple[bool, str]:
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    client = MongoClient("127.0.0.1", port, directConnection=True, serverSelectionTimeoutMS=int(TIMEOUT * 1000),
                         connectTimeoutMS=int(TIMEOUT * 1000), socketTimeoutMS=int(TIMEOUT * 1000))
    try:
        hello = client.admin.command("hello")
    except PyMongoError:
        return False, what_answers(port)
    finally:
        client.close()
    if not hello.get("ok"):
        return False, f"it answered hello with {_shown(json.dumps(hello, default=str).encode())}"
    return True, f"a MongoDB-compatible server (wire version {hello.get('maxWireVersion', '?')})"


def http_identity(kind: str, port: int) -> tuple[bool, str]:
    path, service = IDENTITY_PATHS[kind]
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=TIMEOUT) as response:  # noqa: S310
            body = response.read(2000)
    except urllib.error.HTTPError as exc:
        return False, f"an HTTP server answered {exc.code} on {path}"
    except (OSError, ValueError):
        return False, what_answers(port)
    try:
        answered = json.loads(body).get("service")
    except (ValueError, AttributeError):
        return False, f"an HTTP server answered {path} with {_shown(body)}"
    if answered != service:
        return False, f"an HTTP server that says it is {answered!r}"
    return True, service


def main(argv: list[str]) -> int:
    kind, port = argv[1], int(argv[2])
    if kind == "redis":
        ok, said = redis(port)
    elif kind == "mongo":
        ok, said = mongo(port)
    else:
        ok, said = http_identity(kind, port)
    print(said)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
