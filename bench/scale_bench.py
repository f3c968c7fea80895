"""Scale benchmark: one campaign of --tweets tweets grown to 1k, 10k, 100k (and with --long 500k) engagements.

At each volume, on the embedded store started for the run:
- seeding rate through the live path (`ingestion.storing.handoff.ingest_page`: store + hand-off + checkpoint,
  in provider pages of 100 per tweet and list);
- one page of 100 new engagers (ten of them accounts seen before) through that same path, against a
  raw `insert_many` of the same 100 documents on the same store (the baseline): engagements/s, their
  ratio, MongoDB round trips per page (command monitoring) and the engine's share of the page's time;
- p50/p95 of the client page, the JSON dashboard, engagements page 1 and page 200,
  and an account timeline, through Django's test client, cached and uncached
  ("uncached" clears the cache before every request).

    .venv/bin/python bench/scale_bench.py --volumes 1000,10000,100000

The last line is `SUMMARY ingestion_ratio_<volume>=… round_trips_per_page=…` for the volumes run.
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
from pymongo import monitoring  # noqa: E402

CATEGORIES = ["others"] * 11 + ["founders", "founders", "vcs", "ai_creators", "ai_creators", "media", "developers",
                                "developers", "c_level", "yc_alumni"]
ACTIONS = ["retweet"] * 12 + ["reply"] * 5 + ["quote"] * 3
# Reply/quote texts: one in ten a complaint, so the negative-sentiment filter has ~1% of the campaign to find.
TEXTS = ["congrats on the launch"] * 6 + ["is there an API?"] * 3 + ["this is a scam, terrible product"]
STORED: set[tuple] = set()  # (tweet, account, action) already seeded: the duplicate guard would refuse a repeat


def make(tweets: int):
    from django.utils import timezone

    from ingestion.polling.metrics_job import write_snapshot
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


class RoundTrips(monitoring.CommandListener):
    """Counts the MongoDB commands sent (and the engine's time on them) between two marks."""

    def __init__(self):
        self.commands, self.engine_seconds = 0, 0.0

    def started(self, event):
        self.commands += 1

    def succeeded(self, event):
        self.engine_seconds += event.duration_micros / 1e6

    def failed(self, event):
        self.engine_seconds += event.duration_micros / 1e6


ROUND_TRIPS = RoundTrips()
monitoring.register(ROUND_TRIPS)  # before the first client: every client of this process reports to it


class LivePath:
    """Pages through the code path live polling uses: `handoff.ingest_page` (store + hand-off + checkpoint)."""

    def __init__(self, campaign, rows):
        from ingestion.polling import leases
        from ingestion.storing.engagements import SeqBlock
        from ingestion.polling.worker_state import create_states

        self.campaign, self.owner = campaign, leases.new_owner()
        create_states(campaign.mongo_id, [tweet.tweet_id for tweet in rows])
        for tweet in rows:
            for job in ("retweets", "replies", "quotes"):
                assert leases.acquire(campaign.mongo_id, tweet.tweet_id, job, self.owner)
        self.seqs = SeqBlock(campaign.mongo_id, expected=1000)

    def page(self, tweet, job: str, engagers: list, now) -> tuple:
        from ingestion.storing import handoff

        return handoff.ingest_page(self.campaign, tweet_id=tweet.tweet_id, tweet_category=tweet.category,
                                  job_type=job, engagers=engagers, now=now, run_batch="bench", seqs=self.seqs,
                                  owner=self.owner, progress=lambda stored: {"cursor": None})


def engagers_for(rows, start, first: int, count: int, rng: random.Random) -> dict[tuple, list]:
    """Engagers shaped like a launch, grouped in provider pages per (tweet, list): most accounts unimportant,
    a few important (the following index), several tweets each."""
    from ingestion.storing.engagements import Engager

    pages: dict[tuple, list] = {}
    for n in range(count):
        i = first + n
        user = str(rng.randrange(max(1000, (first + count) * 2 // 5)))
        tweet = rows[min(int(rng.paretovariate(1.2)) - 1, len(rows) - 1) if rng.random() < 0.5
                     else rng.randrange(len(rows))]
        action = ACTIONS[i % len(ACTIONS)]
        if (tweet.tweet_id, user, action) in STORED:
            user = f"{user}-{i}"
        STORED.add((tweet.tweet_id, user, action))
        category = CATEGORIES[int(user.split("-")[0]) % len(CATEGORIES)]
        bio = {"founders": "founder", "vcs": "partner at a VC fund", "ai_creators": "AI creator",
               "media": "journalist", "developers": "software engineer", "c_level": "CEO",
               "yc_alumni": "YC W21"}.get(category, "")
        at = start + dt.timedelta(seconds=rng.randrange(70 * 3600)) if action != "retweet" else None
        pages.setdefault((tweet.tweet_id, action), []).append(Engager(
            user_id=user, username=f"u{user}", name=f"User {user}", bio=bio, location="",
            followers=rng.randrange(10, 200_000), verified=False, timestamp=at,
            text=TEXTS[i % len(TEXTS)] if action != "retweet" else None,
            engagement_tweet_id=f"r{i}" if action != "retweet" else None))
    return pages


JOB_OF = {"retweet": "retweets", "reply": "replies", "quote": "quotes"}
PAGE = 100  # the provider's page of retweeters / replies


def seed_following_index(rng: random.Random, users: int = 2_000_000) -> None:
    """About 3% of accounts followed by important people, as the imported following index has them."""
    from ingestion.storing import importance

    entries = [importance.entry(str(user), [{"id": "vip", "username": "vip", "weight": rng.choice(
        [1, 2, 5, 8, 10, 12, 15, 20, 25, 40, 60])}]) for user in range(0, users // 10, 33)]
    for low in range(0, len(entries), 5000):
        importance.upsert_entries(entries[low:low + 5000])


def seed_to(live: LivePath, rows, start, have: int, want: int, rng) -> float:
    """Grow the campaign through the live path, one provider page at a time; seconds taken."""
    started = time.perf_counter()
    tweets = {tweet.tweet_id: tweet for tweet in rows}
    while have < want:
        # Each list's engagers arrive as one backfill would read them: full pages of 100, the last one short.
        count = min(100_000, want - have)
        for (tweet_id, action), engagers in engagers_for(rows, start, have, count, rng).items():
            for low in range(0, len(engagers), PAGE):
                now = start + dt.timedelta(seconds=rng.randrange(70 * 3600))
                live.page(tweets[tweet_id], JOB_OF[action], engagers[low:low + PAGE], now)
        have += count
    return time.perf_counter() - started


def write_costs(live: LivePath, rows, rng, pages: int = 10) -> dict:
    """Per page of 100 new engagers (a tenth of them accounts seen before): the whole live path (store +
    hand-off + checkpoint) against a raw `insert_many` of the same documents on the same store."""
    from django.utils import timezone

    from ingestion.storing.engagements import Engager
    from socap_project import mongo

    from ingestion.storing.engagements import SeqBlock

    tweet = rows[0]
    ours, raw, trips, engine, bulk = [], [], [], [], []
    # Numbers for every measured page reserved up front, as a run reserves its block before its first page.
    live.seqs = SeqBlock(live.campaign.mongo_id, expected=PAGE * pages + 1)
    live.seqs.take(1)
    known = [row["user_id"] for row in mongo.collection(mongo.CAMPAIGN_ACCOUNTS).find(
        {"campaign_id": live.campaign.mongo_id}, {"user_id": 1}).limit(400)]
    for page in range(pages):
        tag = f"w{rng.randrange(10**9)}-{page}"
        engagers = [Engager(user_id=f"{tag}-{i}", username=f"u{i}", name="New Account", bio="building things",
                            location="", followers=100 + i, verified=False, timestamp=timezone.now(),
                            text="congrats on the launch", engagement_tweet_id=f"r{tag}-{i}")
                    for i in range(PAGE - 10)]
        engagers += [Engager(user_id=user, username=f"u{user}", name="Known Account", bio="", location="",
                             followers=500, verified=False, timestamp=timezone.now(), text="again, congrats",
                             engagement_tweet_id=f"r{tag}-{user}") for user in rng.sample(
                                 [u for u in known if (tweet.tweet_id, u, "reply") not in STORED], 10)]
        STORED.update((tweet.tweet_id, engager.user_id, "reply") for engager in engagers)
        commands, engine_before = ROUND_TRIPS.commands, ROUND_TRIPS.engine_seconds
        started = time.perf_counter()
        stored, _ = live.page(tweet, "replies", engagers, timezone.now())
        ours.append(time.perf_counter() - started)
        trips.append(ROUND_TRIPS.commands - commands)
        engine.append(ROUND_TRIPS.engine_seconds - engine_before)
        assert len(stored.new) == PAGE, len(stored.new)
        # Same store, collection and indexes, another campaign: the measured campaign's reads see only
        # what ingestion stored in it.
        docs = [{**{k: v for k, v in doc.items() if k != "_id"}, "campaign_id": "raw-baseline",
                 "user_id": f"raw-{doc['user_id']}"} for doc in stored.new]
        started = time.perf_counter()
        mongo.collection(mongo.ENGAGEMENTS).insert_many(docs, ordered=False)
        raw.append(time.perf_counter() - started)
        # The engine alone: the same documents as one client-level bulkWrite, the command the page uses.
        docs = [{**doc, "_id": mongo.ObjectId(), "user_id": f"bulk-{doc['user_id']}"} for doc in docs]
        started = time.perf_counter()
        writes = mongo.Writes()
        for doc in docs:
            writes.add(mongo.insert_op(mongo.ENGAGEMENTS, doc))
        writes.send()
        bulk.append(time.perf_counter() - started)
    return {"ours": ours, "raw": raw, "trips": trips, "engine": engine, "bulk": bulk}


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
        print("| engagements | client page, uncached · cached | JSON dashboard, uncached · cached "
              "| engagements page 1 · page 200 (page 200 ÷ page 1, p95) | by importance, page 1 | account timeline |\n"
              "|---|---|---|---|---|---|")
        ingestion_rows = []
        have, first_page_ms, insight_rows, summary = 0, None, [], {}
        seed_following_index(rng)
        live = LivePath(campaign, rows)
        for volume in volumes:
            seconds = seed_to(live, rows, start, have, volume, rng)
            rate = (volume - have) / seconds
            have = volume
            costs = write_costs(live, rows, rng)
            (o50, o95), (r50, _) = p50_p95(costs["ours"]), p50_p95(costs["raw"])
            first_page_ms = first_page_ms or o50
            trips = sorted(set(costs["trips"]))
            engine = statistics.median(costs["engine"])
            summary[volume] = (r50 / o50, trips)
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
            print(f"| {volume:,} | {ms('client')} · {ms('client', 'cached')} | {ms('json')} · {ms('json', 'cached')} | "
                  f"{ms('page1')} · {page_200} | {ms('importance')} | {ms('timeline')} |", flush=True)
            bulk = statistics.median(costs["bulk"])
            ingestion_rows.append(
                f"| {volume:,} | {rate:,.0f} engagements/s | {o50 * 1000:.1f} ms ({o95 * 1000:.1f}) = "
                f"{PAGE / o50:,.0f} engagements/s | {r50 * 1000:.1f} ms = {PAGE / r50:,.0f} engagements/s | "
                f"{r50 / o50:.2f}× | {o50 / first_page_ms:.2f}× | {'/'.join(map(str, trips))} | "
                f"{engine * 1000:.1f} ms ({engine / o50:.0%}) | {bulk * 1000:.1f} ms ({r50 / bulk:.2f}×) |")
            insight_rows.append(f"| {volume:,} | {ms('rankings')} · {ms('rankings', 'cached')} | "
                                f"{ms('negative')} | {ms('reach')} · {ms('reach', 'cached')} |")
        print("\nReach, rankings and sentiment — the same campaign at the same volumes, p50 / p95 in ms\n\n"
              "| engagements | rankings, all five top-25 tables: uncached · cached | negative-sentiment engagers, "
              "page 1 (uncached) | reach + hourly series: uncached · cached |\n|---|---|---|---|")
        print("\n".join(insight_rows), flush=True)
        print(f"\nIngestion through the live path — the same campaign; a page is {PAGE} engagers of one list "
              "(ten of them accounts seen before) through `ingest_page` (store + hand-off + checkpoint), "
              "p50 (p95) in ms\n\n"
              "| engagements | seeding through the live path | whole page | raw insert_many of the same documents "
              "| whole page ÷ raw (engagements/s) | per engagement ÷ the first volume | round trips per page "
              "| engine time per page (share) | engine alone: the same inserts as one bulkWrite (insert_many ÷ it) |"
              "\n|---|---|---|---|---|---|---|---|---|")
        print("\n".join(ingestion_rows), flush=True)
        trips = sorted({n for _, found in summary.values() for n in found})
        print("\nSUMMARY " + " ".join(f"ingestion_ratio_{volume}={ratio:.2f}" for volume, (ratio, _) in summary.items())
              + f" round_trips_per_page={'/'.join(map(str, trips))}", flush=True)


if __name__ == "__main__":
    main()
