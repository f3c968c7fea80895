"""A wrapper around the real Chromium that records when each run starts and ends."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path


def probe(tmp_path: Path) -> tuple[str, Path]:
    """(executable to configure as SOCAP_CHROMIUM, its log of "start/end <ns>" lines)."""
    real = shutil.which("chromium") or shutil.which("chromium-browser")
    log = tmp_path / "chromium-runs.log"
    script = tmp_path / "chromium-probe"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "start $(date +%s%N)" >> "{log}"\n'
        f'"{real}" "$@"\n'
        "status=$?\n"
        f'echo "end $(date +%s%N)" >> "{log}"\n'
        "exit $status\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script), log


def runs(log: Path) -> tuple[int, int]:
    """(how many runs started, the most that ran at the same time)."""
    if not log.exists():
        return 0, 0
    events = sorted((int(stamp), kind) for kind, stamp in (line.split() for line in log.read_text().splitlines()))
    started = sum(1 for _, kind in events if kind == "start")
    running = most = 0
    for _, kind in events:
        running += 1 if kind == "start" else -1
        most = max(most, running)
    return started, most


def shortest_run_seconds(log: Path) -> float:
    """How long the quickest recorded run took (runs do not overlap here: one at a time)."""
    events = sorted((int(stamp), kind) for kind, stamp in (line.split() for line in log.read_text().splitlines()))
    starts = [stamp for stamp, kind in events if kind == "start"]
    ends = [stamp for stamp, kind in events if kind == "end"]
    return min((end - start) / 1e9 for start, end in zip(starts, ends, strict=False))
