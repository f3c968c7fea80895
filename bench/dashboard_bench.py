"""Dashboard latency benchmark: p50/p95 of the client page and the JSON dashboard, cached vs uncached.

Seeds one campaign with --tweets tweets and --engagements engagements (with
their rollups) into the configured store, then times requests through Django's
test client. "Uncached" clears the cache before every request; "cached" is
the steady state while many clients watch the same campaign.

    .venv/bin/python bench/dashboard_bench.py --tweets 400 --engagements 5000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stores  # noqa: E402

GOALS = {"cached": 0.050, "uncached": 0.300}


def seed(tweets: int, engagements: int):
    from django.utils import timezone

    from dashboard.services import record_engagements
    from ingestion.metrics_job import write_snapshot
    from socap_project import mongo
    from tests.factories import engagement_doc, make_campaign

    campaign = make_campaign(tweets={"main_twt": tweets // 3, "influencer_twt": tweets // 3,
                                     "investor_twt": tweets - 2 * (tweets // 3)})
    rows = list(campaign.tweets.all())
    for tweet in rows:
        tweet.metrics = {"likeCount": 300, "retweetCount": 40, "quoteCount": 6, "replyCount": 12,
                         "viewCount": 40000, "bookmarkCount": 9, "last_updated": timezone.now().isoformat()}
        tweet.save()
    start = timezone.now() - dt.timedelta(hours=70)
    for hour in range(0, 70, 1):
        write_snapshot(campaign, start + dt.timedelta(hours=hour))
    categories = ["founders", "vcs", "ai_creators", "media", "developers", "c_level", "yc_alumni", "others"]
    started = time.perf_counter()
    batch = []
    for i in range(engagements):
        action = ("retweet", "reply", "quote")[i % 3]
        batch.append(engagement_doc(campaign, rows[i % len(rows)], str(i % (engagements // 2 + 1)), action,
                                    category=categories[i % 8], importance=i % 40,
                                    timestamp=start + dt.timedelta(minutes=(i * 7) % (70 * 60))))
        if len(batch) == 500:
            mongo.collection(mongo.ENGAGEMENTS).insert_many(batch)
            record_engagements(campaign.mongo_id, batch)
            batch = []
    if batch:
        mongo.collection(mongo.ENGAGEMENTS).insert_many(batch)
        record_engagements(campaign.mongo_id, batch)
    return campaign, time.perf_counter() - started


def timed(client, url: str, runs: int, clear_cache: bool, **headers) -> list[float]:
    from django.core.cache import cache

    samples = []
    for _ in range(runs):
        if clear_cache:
            cache.clear()
        started = time.perf_counter()
        response = client.get(url, **headers)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tweets", type=int, default=400)
    parser.add_argument("--engagements", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="socap-dash-bench-"))
    with stores.stopping(stores.start(folder)):
        from django.contrib.auth import get_user_model
        from django.test import Client
        from rest_framework.authtoken.models import Token

        campaign, seeding = seed(args.tweets, args.engagements)
        user = get_user_model().objects.create_user("bench", password="pw")
        token = Token.objects.create(user=user).key
        client = Client()
        targets = {
            "client page": (f"/socap/c/{campaign.share_token}/", {}),
            "JSON dashboard": (f"/socap/campaigns/{campaign.pk}/dashboard", {"HTTP_AUTHORIZATION": f"Token {token}"}),
        }
        print(f"\nDashboard benchmark — {args.tweets} tweets, {args.engagements:,} engagements (seeded in "
              f"{seeding:.0f} s), embedded MongoDB-compatible store (mongoeco/SQLite), {platform.machine()} "
              f"{os.cpu_count()} cores, Python {platform.python_version()}, {args.runs} requests each\n")
        print("| request | uncached p50 / p95 | cached p50 / p95 | cached ÷ uncached (p95) | p95 vs goal "
              "(uncached ≤ 300 ms, cached ≤ 50 ms) |\n|---|---|---|---|---|")
        for name, (url, headers) in targets.items():
            timed(client, url, 2, False, **headers)  # warm-up
            p = {}
            for mode in ("uncached", "cached"):
                samples = sorted(timed(client, url, args.runs, mode == "uncached", **headers))
                p[mode] = statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]
            (u50, u95), (c50, c95) = p["uncached"], p["cached"]
            print(f"| {name} | {u50 * 1000:.1f} / {u95 * 1000:.1f} ms | {c50 * 1000:.1f} / {c95 * 1000:.1f} ms | "
                  f"{c95 / u95:.3f}× | {u95 / GOALS['uncached']:.2f}× / {c95 / GOALS['cached']:.2f}× |")


if __name__ == "__main__":
    main()
