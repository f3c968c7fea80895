"""The local Slack/SMTP sinks (fakes/alert_sinks.py) as a real process for tests."""

import sys

import requests

from tests.support.processes import ManagedProcess, free_port


class Sinks:
    def __init__(self, log_dir):
        self.http_port, self.smtp_port = free_port(), free_port()
        argv = [sys.executable, "-m", "fakes.alert_sinks", "--http-port", str(self.http_port), "--smtp-port",
                str(self.smtp_port), "--data-dir", str(log_dir / f"sinks-{self.http_port}")]
        self.process = ManagedProcess(f"sinks-{self.http_port}", argv, log_dir, port=self.http_port,
                                      ready_text="alert sinks listening")
        self.webhook = f"http://127.0.0.1:{self.http_port}/hooks/T1/B1"

    def messages(self) -> dict:
        return requests.get(f"http://127.0.0.1:{self.http_port}/messages.json", timeout=5).json()

    def fail_next(self, status: int, count: int = 1, retry_after: int = 1) -> None:
        requests.post(f"http://127.0.0.1:{self.http_port}/_fail",
                      json={"status": status, "count": count, "retry_after": retry_after}, timeout=5)
