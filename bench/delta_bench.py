"""Incremental list polls: requests per run against the lower bound floor(delta/page)+1.

For each provider page size, a simulator with one launch tweet whose replies
keep arriving; after the backfill, the clock moves by uneven steps and each
replies run is compared with the bound for the replies that arrived in that step
(read from the simulator's ground truth). Prints a markdown table.

    .venv/bin/python bench/delta_bench.py --page-sizes 5 20 50
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stores  # noqa: E402

from tests.support.simulator import SimulatorProcess  # noqa: E402

TWEET = "1960000000000000001"
STEPS_MINUTES = [5, 15, 30, 60, 120, 240, 480, 720]


def scenario(folder: Path) -> Path:
    spec = {
        "name": "delta-bench", "launch_time": "2025-03-15T15:00:00Z", "duration_hours": 72, "decay_hours": 10,
        "seed": 9, "important_people": 5, "double_reply_rate": 0.0, "unretweet_rate": 0.0,
        "accounts": {"count": 2500, "mix": {"founders": 0.3, "developers": 0.4, "others": 0.3}},
        "tweets": [{"id": TWEET, "category": "main_twt", "offset_minutes": 0, "retweets": 10, "replies": 900,
                    "quotes": 5, "likes": 500, "views": 50000, "bookmarks": 5}],
    }
    path = folder / "delta.json"
    path.write_text(json.dumps(spec))
    return path


def replies(sim) -> set[str]:
    return {e["engagement_tweet_id"] for e in sim.ground_truth()["engagements"] if e["action_type"] == "reply"}


def measure(folder: Path, page: int) -> tuple[list[tuple[int, int, int]], int]:
    """[(delta, requests, bound)] for one page size, and the backfill's requests."""
    from django.conf import settings

    from campaigns import services
    from campaigns.inputs import AlertPreferencesInput, CampaignInput, TweetInput
    from ingestion.polling.list_job import run_list_job
    from ingestion.polling.metrics_job import run_metrics

    sim = SimulatorProcess(folder, scenario=str(scenario(folder)), page_size=page,
                           extra=["--start", "2025-03-15T16:00:00Z"]).start()
    try:
        settings.X_API_BASE_URL, settings.X_API_KEY = sim.base_url, "bench-key"
        start = dt.datetime(2025, 3, 15, 15, tzinfo=dt.UTC)
        campaign = services.create_campaign(CampaignInput(
            launch_name=f"delta page {page}", client_name="bench", client_email="b@example.com",
            start_date=start, end_date=start + dt.timedelta(days=3),
            tweets=[TweetInput(url=f"https://x.com/a/status/{TWEET}", category="main_twt", path="maintweets[0].url")],
            alerts=AlertPreferencesInput(channels=[])))
        run_metrics(campaign.pk)
        backfill = run_list_job(campaign.pk, TWEET, "replies").requests
        rows = []
        for minutes in STEPS_MINUTES:
            before = replies(sim)
            sim.advance(minutes=minutes)
            delta = len(replies(sim) - before)
            run_metrics(campaign.pk)
            run = run_list_job(campaign.pk, TWEET, "replies")
            rows.append((delta, run.requests, delta // page + 1 if delta else 0))
        return rows, backfill
    finally:
        sim.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page-sizes", type=int, nargs="+", default=[5, 20, 50])
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="socap-delta-bench-"))
    with stores.stopping(stores.start(folder)):
        print(f"\nDelta runs — replies of one launch tweet, {len(STEPS_MINUTES)} polls per page size after the "
              f"backfill; {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}\n")
        print("| page size | deltas per poll | requests | bound Σ(floor(d/page)+1) | ratio | polls at the bound |")
        print("|---|---|---|---|---|---|")
        for page in args.page_sizes:
            rows, _ = measure(folder, page)
            requests = sum(r for _, r, _ in rows)
            bound = sum(b for _, _, b in rows)
            deltas = [d for d, _, _ in rows]
            exact = sum(1 for _, r, b in rows if r == b)
            print(f"| {page} | {min(deltas)}–{max(deltas)} | {requests} | {bound} | "
                  f"{requests / max(bound, 1):.2f}× | {exact}/{len(rows)} |")


if __name__ == "__main__":
    main()
