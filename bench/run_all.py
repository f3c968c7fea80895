"""Every benchmark in one command; writes bench/RESULTS.md and the README's benchmark section.

    .venv/bin/python bench/run_all.py            # the figures in the README
    .venv/bin/python bench/run_all.py --quick    # smaller sizes, for a smoke run

Each benchmark runs in its own process with its own stores and simulator; their
markdown tables are gathered under one heading naming this machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def suites(quick: bool, long: bool = False) -> list[tuple[str, list[str]]]:
    tweets = "40" if quick else "400"
    return [
        ("ingestion", ["bench/ingestion_bench.py", "--tweets", tweets, "--rps", "10",
                       "--ingest", "200" if quick else "1000"]),
        ("delta runs", ["bench/delta_bench.py", *(["--page-sizes", "20"] if quick else [])]),
        ("page commands", ["bench/page_commands.py", "--volume", "1000" if quick else "10000",
                           "--pages", "3" if quick else "10"]),
        ("scale", ["bench/scale_bench.py", "--tweets", tweets,
                   "--volumes", "1000,5000" if quick else "1000,10000,100000", "--runs", "5" if quick else "20",
                   *(["--long"] if long else [])]),
    ]


def run(name: str, argv: list[str]) -> str:
    started = time.monotonic()
    print(f"[bench] {name}: running {' '.join(argv)}", flush=True)
    env = {**os.environ, "SOCAP_LOG_LEVEL": "WARNING"}
    done = subprocess.run([sys.executable, *argv], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"[bench] {name} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    # Title lines (with an em dash) and their tables: everything else on stdout is progress.
    sections: list[tuple[str, list[str]]] = []
    for line in done.stdout.splitlines():
        if " \u2014 " in line and not line.startswith("|"):
            sections.append((line.strip(), []))
        elif line.startswith("|"):
            if not sections:
                sections.append((name, []))
            sections[-1][1].append(line)
    print(f"[bench] {name}: done in {time.monotonic() - started:.0f} s", flush=True)
    return "\n\n".join(f"**{title}**\n\n" + "\n".join(table) for title, table in sections)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--long", action="store_true", help="the scale benchmark also at 500,000 engagements")
    parser.add_argument("--no-readme", action="store_true", help="write bench/RESULTS.md only")
    args = parser.parse_args()
    sections = [run(name, argv) for name, argv in suites(args.quick, args.long)]
    header = (f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d} with `bench/run_all.py{' --quick' if args.quick else ''}` "
              f"on {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
              f"embedded MongoDB-compatible store (SecantusDB on WiredTiger) and redis-server.")
    text = header + "\n\n" + "\n\n".join(sections) + "\n"
    results = ROOT / "bench" / "RESULTS.md"
    # The figures are replaced; the sections after them (the reading of the figures, earlier rounds) are kept.
    earlier = results.read_text() if results.exists() else ""
    kept = earlier[earlier.index("\n## "):] if "\n## " in earlier else ""
    results.write_text("# Benchmark results\n\n" + text + kept)
    if not args.no_readme:
        readme = (ROOT / "README.md").read_text()
        if START in readme and END in readme:
            readme = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: f"{START}\n{text}{END}", readme,
                            flags=re.S)
            (ROOT / "README.md").write_text(readme)
    print(text)


if __name__ == "__main__":
    main()
