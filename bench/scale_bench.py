"""Scale benchmark: one campaign of --tweets tweets grown to 1k, 10k, 100k (and with --long 500k) engagements.

At each volume, on the embedded store started for the run:
- seeding rate (insert_many + the write-time counters, as the ingestion hand-off keeps them);
- the ingestion write of one page of 20 new engagers (`store_page`) against a raw
  `insert_many` of the same 20 documents on the same store (the baseline);
- p50/p95 of the client page, the JSON dashboard, engagements page 1 and page 200,
  and an account timeline, through Django's test client, cached and uncached
  ("uncached" clears the cache before every request).

    .venv/bin/python bench/scale_bench.py --volumes 1000,10000,100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stores  # noqa: E402

CATEGORIES = ["others"] * 11 + ["founders", "founders", "vcs", "ai_creators", "ai_creators", "media", "developers",
                                "developers", "c_level", "yc_alumni"]
ACTIONS = ["retweet"] * 12 + ["reply"] * 5 + ["quote"] * 3
# Reply/quote texts: one in ten a complaint, so the negative-sentiment filter has ~1% of the campaign to find.
TEXTS = ["congrats on the launch"] * 6 + ["is there an API?"] * 3 + ["this is a scam, terrible product"]
STORED: set[tuple] = set()  # (tweet, account, action) already seeded: the duplicate guard would refuse a repeat


def make(tweets: int):
    from django.utils import timezone

    from ingestion.metrics_job import write_snapshot
    from tests.factories import make_campaign

    campaign = make_campaign(tweets={"main_twt": tweets // 3, "influencer_twt": tweets // 3,
                                     "investor_twt": tweets - 2 * (tweets // 3)})
    rows = list(campaign.tweets.all())
    for tweet in rows:
        tweet.metrics = {"likes": 300, "retweets": 40, "quotes": 6, "replies": 12,
                         "views": 40000, "bookmarks": 9, "last_updated": timezone.now().isoformat()}
        tweet.save()
    start = timezone.now() - dt.timedelta(hours=70)
    for hour in range(70):
        write_snapshot(campaign, start + dt.timedelta(hours=hour))
    return campaign, rows, start


def documents(campaign, rows, start, first: int, count: int, rng: random.Random) -> list[dict]:
    """Engagements shaped like a launch: most accounts unimportant, a few important, several tweets each."""
    from ingestion.engagements import reserve_seq
    from ingestion.sentiment import score as sentiment_of
    from tests.factories import engagement_doc

    last = reserve_seq(campaign.mongo_id, count)
    docs = []
    for n, seq in enumerate(range(last - count + 1, last + 1)):
        i = first + n
        user = str(rng.randrange(max(1000, (first + count) * 2 // 5)))
        tweet = rows[min(int(rng.paretovariate(1.2)) - 1, len(rows) - 1) if rng.random() < 0.5
                     else rng.randrange(len(rows))]
        action = ACTIONS[i % len(ACTIONS)]
        if (tweet.tweet_id, user, action) in STORED:
            user = f"{user}-{i}"
        STORED.add((tweet.tweet_id, user, action))
        score = rng.choice([1, 2, 5, 8, 10, 12, 15, 20, 25, 40, 60]) if rng.random() < 0.03 else 0
        docs.append(engagement_doc(campaign, tweet, user, action, seq=seq, importance=score,
                                   category=CATEGORIES[int(user.split("-")[0]) % len(CATEGORIES)],
                                   followers=rng.randrange(10, 200_000),
                                   timestamp=start + dt.timedelta(seconds=rng.randrange(70 * 3600)),
                                   text=TEXTS[i % len(TEXTS)] if action != "retweet" else None))
        if action != "retweet":
            docs[-1].update(sentiment_of(docs[-1]["text"]))  # as store_page scores it
    return docs


def seed_to(campaign, rows, start, have: int, want: int, rng) -> float:
    from dashboard.services import record_engagements
    from socap_project import mongo

    started = time.perf_counter()
    while have < want:
        batch = documents(campaign, rows, start, have, min(1000, want - have), rng)
        mongo.collection(mongo.ENGAGEMENTS).insert_many(batch, ordered=False)
        record_engagements(campaign.mongo_id, batch)
        have += len(batch)
    return time.perf_counter() - started


def write_costs(campaign, rows, rng, pages: int = 25) -> tuple[list[float], list[float]]:
    """Seconds per page: store_page of 20 new engagers vs raw insert_many of 20 documents."""
    from django.utils import timezone

    from ingestion.engagements import Engager, SeqBlock, store_page
    from socap_project import mongo
    from tests.factories import engagement_doc

    tweet = rows[0]
    seqs = SeqBlock(campaign.mongo_id, expected=20 * pages)
    ours, raw = [], []
    for page in range(pages):
        tag = f"w{rng.randrange(10**9)}-{page}"
        engagers = [Engager(user_id=f"{tag}-{i}", username=f"u{i}", name="New Account", bio="building things",
                            location="", followers=100, verified=False) for i in range(20)]
        started = time.perf_counter()
        store_page(campaign_id=campaign.mongo_id, tweet_id=tweet.tweet_id, tweet_category=tweet.category,
                   job_type="retweets", engagers=engagers, now=timezone.now(), seqs=seqs)
        ours.append(time.perf_counter() - started)
        docs = [engagement_doc(campaign, tweet, f"raw{tag}-{i}", seq=0) for i in range(20)]
        started = time.perf_counter()
        mongo.collection(mongo.ENGAGEMENTS).insert_many(docs, ordered=False)
        raw.append(time.perf_counter() - started)
    return ours, raw


def timed(client, url: str, runs: int, clear_cache: bool, **headers) -> list[float]:
    from django.core.cache import cache

    samples = []
    for _ in range(runs):
        if clear_cache:
            cache.clear()
        started = time.perf_counter()
        response = client.get(url, **headers)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return samples


def p50_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def page_200_cursor(campaign) -> str | None:
    from dashboard import selectors

    cursor = None
    for _ in range(199):
        cursor = selectors.engagements(campaign, limit=25, cursor=cursor)["next_cursor"]
        if cursor is None:
            return None  # fewer than 200 pages at this volume
    return cursor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tweets", type=int, default=400)
    parser.add_argument("--volumes", default="1000,10000,100000")
    parser.add_argument("--long", action="store_true", help="also 500,000 engagements")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    volumes = [int(v) for v in args.volumes.split(",")] + ([500_000] if args.long else [])
    folder = Path(tempfile.mkdtemp(prefix="socap-scale-bench-"))
    rng = random.Random(13)
    with stores.stopping(stores.start(folder)):
        from django.contrib.auth import get_user_model
        from django.test import Client
        from rest_framework.authtoken.models import Token

        from socap_project import mongo

        campaign, rows, start = make(args.tweets)
        staff = get_user_model().objects.create_user("bench", password="pw", is_staff=True)
        token = Token.objects.create(user=staff).key
        auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
        client = Client()
        api = f"/socap/campaigns/{campaign.pk}"
        print(f"\nScale benchmark — one campaign of {args.tweets} tweets, embedded store SecantusDB "
              f"{mongo.client().server_info().get('version', '')} (WiredTiger) + redis-server, {platform.machine()} "
              f"{os.cpu_count()} cores, Python {platform.python_version()}, {args.runs} requests per figure; "
              f"p50 / p95 in ms\n")
        print("| engagements | seeding | page of 20 upserts: store_page / raw insert_many (ingestion ÷ raw) "
              "| client page, uncached · cached | JSON dashboard, uncached · cached | engagements page 1 · page 200 "
              "(page 200 ÷ page 1, p95) | by importance, page 1 | account timeline |\n"
              "|---|---|---|---|---|---|---|---|")
        have, first_page_ms, insight_rows = 0, None, []
        for volume in volumes:
            seconds = seed_to(campaign, rows, start, have, volume, rng)
            rate = (volume - have) / seconds
            have = volume
            ours, raw = write_costs(campaign, rows, rng)
            (o50, o95), (r50, _) = p50_p95(ours), p50_p95(raw)
            first_page_ms = first_page_ms or o50
            figures = {}
            cursor = page_200_cursor(campaign)
            important = mongo.collection(mongo.CAMPAIGN_ACCOUNTS).find_one(
                {"campaign_id": campaign.mongo_id, "engagements": 2})
            user = (important or mongo.collection(mongo.CAMPAIGN_ACCOUNTS).find_one(
                {"campaign_id": campaign.mongo_id, "first_seq": 1}))["user_id"]
            targets = {
                "client": (f"/socap/c/{campaign.share_token}/", {}),
                "json": (f"{api}/dashboard", auth),
                "page1": (f"{api}/engagements?limit=25", auth),
                **({"page200": (f"{api}/engagements?limit=25&cursor={cursor}", auth)} if cursor else {}),
                "importance": (f"{api}/engagements?limit=25&sort=importance_score", auth),
                "timeline": (f"{api}/accounts/{user}/timeline", auth),
                "rankings": (f"{api}/rankings", auth),
                "negative": (f"{api}/engagements?limit=25&sentiment=negative", auth),
                "reach": (f"{api}/reach?granularity=hour", auth),
            }
            for name, (url, headers) in targets.items():
                timed(client, url, 2, False, **headers)
                figures[name] = {mode: p50_p95(timed(client, url, args.runs, mode == "uncached", **headers))
                                 for mode in ("uncached", "cached")}

            def ms(name, mode="uncached"):
                p50, p95 = figures[name][mode]  # noqa: B023 - called only within this iteration
                return f"{p50 * 1000:.1f}/{p95 * 1000:.1f}"

            page_200 = (f"{ms('page200')} ({figures['page200']['uncached'][1] / figures['page1']['uncached'][1]:.2f}×)"
                        if cursor else "— (under 200 pages)")
            print(f"| {volume:,} | {rate:,.0f} docs/s | {o50 * 1000:.1f} ms (p95 {o95 * 1000:.1f}; "
                  f"{o50 / first_page_ms:.2f}× the first volume) / {r50 * 1000:.1f} ms ({r50 / o50:.2f}×) | "
                  f"{ms('client')} · {ms('client', 'cached')} | {ms('json')} · {ms('json', 'cached')} | "
                  f"{ms('page1')} · {page_200} | {ms('importance')} | {ms('timeline')} |",
                  flush=True)
            insight_rows.append(f"| {volume:,} | {ms('rankings')} · {ms('rankings', 'cached')} | "
                                f"{ms('negative')} | {ms('reach')} · {ms('reach', 'cached')} |")
        print("\nReach, rankings and sentiment — the same campaign at the same volumes, p50 / p95 in ms\n\n"
              "| engagements | rankings, all five top-25 tables: uncached · cached | negative-sentiment engagers, "
              "page 1 (uncached) | reach + hourly series: uncached · cached |\n|---|---|---|---|")
        print("\n".join(insight_rows), flush=True)


if __name__ == "__main__":
    main()
