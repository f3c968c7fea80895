"""Local X data API simulator.

    python -m fakes.x_api --port 8765 --scenario demo --clock realtime --launch-ago-hours 2
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import signal
import sys

from fakes.x_api.server import Simulator, make_server, parse_time
from fakes.x_api.state import Clock, SimState
from fakes.x_api.world import anchored_launch, build_world, load_scenario


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local X data API simulator (twitterapi.io contract).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--scenario", default="demo", help="scenario name (fakes/x_api/scenarios) or path")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every volume (benchmarks)")
    parser.add_argument("--clock", choices=["manual", "realtime"], default="manual")
    parser.add_argument("--speed", type=float, default=1.0, help="simulated seconds per real second (realtime)")
    parser.add_argument("--start", help="simulated time to start at (ISO); default: the launch time")
    parser.add_argument("--launch-ago-hours", type=float, default=None,
                        help="the launch is this many simulated hours old at start; with --speed N the "
                             "simulated clock then catches up with the real one when the launch ends (demo)")
    parser.add_argument("--cursor-ttl", type=float, default=600.0, help="seconds before a cursor expires")
    parser.add_argument("--rate-limit-rps", type=float, default=50.0, help="per key; 0 = unlimited")
    parser.add_argument("--credits", type=int, default=100_000_000, help="starting balance per key")
    parser.add_argument("--page-size", type=int, default=20)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    scenario = load_scenario(args.scenario)
    launch = start = None
    if args.launch_ago_hours is not None:
        real_now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        speed = args.speed if args.clock == "realtime" else 1.0
        launch, start = anchored_launch(scenario, real_now, args.launch_ago_hours, speed)
        launch = launch.replace(microsecond=0)
    world = build_world(scenario, seed=args.seed, launch=launch, scale=args.scale)
    if args.start:
        start = parse_time(args.start)
    start = start or world.launch
    state = SimState(Clock(args.clock, start, args.speed), seed=world.seed, cursor_ttl=args.cursor_ttl,
                     rate_limit_rps=args.rate_limit_rps, credits=args.credits)
    sizes = {"retweet": args.page_size, "reply": args.page_size, "quote": args.page_size}
    server = make_server(Simulator(world, state, sizes), args.host, args.port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"simulator listening on {args.host}:{server.server_address[1]} "
          f"(scenario {scenario['name']}, seed {world.seed}, {len(world.accounts)} accounts, "
          f"{len(world.events)} engagements, clock {args.clock}"
          f"{f' x{args.speed:g}, simulated now {start:%Y-%m-%d %H:%M} UTC' if args.clock == 'realtime' else ''})",
          flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
