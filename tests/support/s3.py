"""moto's standalone S3-compatible server as a real process for tests (HTTP on 127.0.0.1)."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.support.processes import ManagedProcess, free_port

ACCESS_KEY_ID = "socap-test-access"
SECRET_ACCESS_KEY = "socap-test-secret"  # noqa: S105 - moto accepts any pair


class S3Server:
    def __init__(self, log_dir: Path):
        self.port = free_port()
        argv = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)]
        self.process = ManagedProcess(f"moto-s3-{self.port}", argv, log_dir, port=self.port)
        self.endpoint_url = f"http://127.0.0.1:{self.port}"

    def start(self) -> S3Server:
        self.process.start(timeout=60)
        return self

    def stop(self) -> None:
        self.process.stop()

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint_url, region_name="us-east-1",
                            aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY)
