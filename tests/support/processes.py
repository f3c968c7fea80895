"""Start and stop the real processes tests depend on (Redis, Mongo, Celery, ...)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class ManagedProcess:
    """A child process in its own process group, with its output in a log file."""

    def __init__(self, name: str, argv: list[str], log_dir: Path, *, port: int | None = None,
                 env: dict[str, str] | None = None, ready_text: str | None = None):
        self.name, self.argv, self.port, self.ready_text = name, argv, port, ready_text
        self.env = {**os.environ, **(env or {})}
        self.log_path = Path(log_dir) / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> ManagedProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child owns it for its lifetime
        self.proc = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT, env=self.env,
                                     cwd=ROOT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.tail()}")
            if self._ready():
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} not ready after {timeout} s:\n{self.tail()}")

    def _ready(self) -> bool:
        if self.port is not None and not port_open(self.port):
            return False
        if self.ready_text is not None:
            return self.ready_text in self.log_path.read_text(errors="replace")
        return True

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal_group(self, sig: int) -> None:
        if self.running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)

    def kill(self) -> None:
        """kill -9 the whole process group (a crash, not a shutdown)."""
        self.signal_group(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=10)

    def stop(self, timeout: float = 15.0) -> None:
        if not self.running:
            return
        self.signal_group(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()


def redis_process(data_dir: Path, port: int | None = None) -> ManagedProcess:
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    argv = ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--dir", str(data_dir),
            "--save", "", "--appendonly", "no"]
    return ManagedProcess(f"redis-{port}", argv, data_dir, port=port)


def secantusd() -> str:
    """The embedded MongoDB-compatible server's executable, installed beside this interpreter."""
    beside = Path(sys.executable).parent / "secantusd-py"
    return str(beside) if beside.exists() else "secantusd-py"


def mongo_process(data_dir: Path, port: int | None = None) -> ManagedProcess:
    """SecantusDB (WiredTiger) as its own process; the data directory survives a restart."""
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    argv = [secantusd(), "--host", "127.0.0.1", "--port", str(port), "--storage-path", str(data_dir / "data"),
            "--log-level", "WARNING"]
    return ManagedProcess(f"mongo-{port}", argv, data_dir, port=port)


def mongo_uri(port: int) -> str:
    return f"mongodb://127.0.0.1:{port}/?directConnection=true"


def redis_url(port: int, db: int = 0) -> str:
    return f"redis://127.0.0.1:{port}/{db}"


def wait_until(predicate, timeout: float, interval: float = 0.2):
    """Poll `predicate` until it returns something truthy or `timeout` seconds pass; return its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()
