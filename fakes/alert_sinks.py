"""Local stand-ins for Slack and SMTP, for the demo and the tests (real sockets).

    python -m fakes.alert_sinks --http-port 8766 --smtp-port 1025 --data-dir var/sinks

HTTP: any POST is recorded as a Slack webhook message; GET / lists Slack
messages and emails (newest first, refreshing itself); GET /messages.json
returns them; POST /_fail {"status": 429|404|500, "count": n, "retry_after": s}
makes the next n webhook posts fail that way. SMTP: aiosmtpd records every
message. Both write JSON lines under --data-dir.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import html
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller


class Store:
    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.slack, self.mail = folder / "slack.jsonl", folder / "email.jsonl"
        self.lock = threading.Lock()
        self.failures: list[dict] = []

    def append(self, path: Path, record: dict) -> None:
        with self.lock, path.open("a") as handle:
            handle.write(json.dumps(record) + "\n")

    def read(self, path: Path) -> list[dict]:
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def next_failure(self) -> dict | None:
        with self.lock:
            if self.failures and self.failures[0]["count"] > 0:
                self.failures[0]["count"] -= 1
                failure = dict(self.failures[0])
                if self.failures[0]["count"] == 0:
                    self.failures.pop(0)
                return failure
        return None


class SmtpHandler:
    def __init__(self, store: Store):
        self.store = store

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd protocol
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = message.get_body(("plain",))
        rich = message.get_body(("html",))
        self.store.append(self.store.mail, {
            "at": time.time(), "from": envelope.mail_from, "to": list(envelope.rcpt_tos),
            "subject": str(message["subject"]), "text": text.get_content() if text else "",
            "html": rich.get_content() if rich else "",
        })
        return "250 Message accepted for delivery"


def handler_for(store: Store):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            return

        def _send(self, status: int, body: bytes, content_type: str = "text/plain", headers=None):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, str(value))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/_fail":
                rule = json.loads(body or b"{}")
                with store.lock:
                    store.failures.append({"status": int(rule.get("status", 500)), "count": int(rule.get("count", 1)),
                                           "retry_after": int(rule.get("retry_after", 1))})
                return self._send(200, b"ok")
            failure = store.next_failure()
            if failure:
                headers = {"Retry-After": failure["retry_after"]} if failure["status"] == 429 else None
                text = {404: b"no_service", 410: b"channel_is_archived", 429: b"rate_limited"}.get(
                    failure["status"], b"internal_error")
                return self._send(failure["status"], text, headers=headers)
            try:
                payload = json.loads(body or b"{}")
            except ValueError:
                return self._send(400, b"invalid_payload")
            store.append(store.slack, {"at": time.time(), "path": self.path, "text": payload.get("text", ""),
                                       "blocks": payload.get("blocks")})
            return self._send(200, b"ok")

        def do_GET(self):  # noqa: N802
            if self.path == "/_identity":  # scripts/stores.sh checks who holds the port before reusing it
                return self._send(200, b'{"service": "socap-alert-sinks"}', "application/json")
            if self.path.startswith("/messages.json"):
                data = {"slack": store.read(store.slack), "email": store.read(store.mail)}
                return self._send(200, json.dumps(data).encode(), "application/json")
            return self._send(200, page(store).encode(), "text/html; charset=utf-8")

    return Handler


def page(store: Store) -> str:
    def stamp(record):
        return time.strftime("%H:%M:%S", time.localtime(record["at"]))

    slack = "".join(f"<li><small>{stamp(m)} {html.escape(m['path'])}</small><br>{html.escape(m['text'])}</li>"
                    for m in reversed(store.read(store.slack)))
    mail = "".join(f"<li><small>{stamp(m)} to {html.escape(', '.join(m['to']))}</small><br>"
                   f"<b>{html.escape(m['subject'])}</b><pre>{html.escape(m['text'])}</pre></li>"
                   for m in reversed(store.read(store.mail)))
    return (f"<!doctype html><meta http-equiv=refresh content=10><title>SOCAP alert sinks</title>"
            f"<body style='font-family:system-ui;max-width:980px;margin:auto'><h1>Alerts received locally</h1>"
            f"<p>Stand-ins for Slack and SMTP in this demo. Refreshes every 10 s.</p>"
            f"<h2>Slack ({len(store.read(store.slack))})</h2><ol>{slack}</ol>"
            f"<h2>Email ({len(store.read(store.mail))})</h2><ol>{mail}</ol></body>")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Local Slack webhook and SMTP sinks.")
    parser.add_argument("--http-port", type=int, default=8766)
    parser.add_argument("--smtp-port", type=int, default=1025)
    parser.add_argument("--data-dir", type=Path, default=Path("var/sinks"))
    args = parser.parse_args(argv)
    store = Store(args.data_dir)
    smtp = Controller(SmtpHandler(store), hostname="127.0.0.1", port=args.smtp_port)
    smtp.start()
    server = ThreadingHTTPServer(("127.0.0.1", args.http_port), handler_for(store))
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"alert sinks listening: http 127.0.0.1:{args.http_port} smtp 127.0.0.1:{args.smtp_port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        smtp.stop()
        server.server_close()


if __name__ == "__main__":
    main()
