"""Ingestion benchmark: SOCAP's polling plan against the naive plan (docs/ingestion.md), on this machine.

Starts its own Redis, embedded MongoDB-compatible server and X API simulator
(a generated launch with --tweets tweets), migrates a throwaway SQLite
database, then measures:

1. fan-out: enqueueing metrics + list jobs for every tweet (the original plan: "about 2 s" for 1,200 jobs), and
   1,600 jobs in pipelined chunks vs one apply_async per job;
2. requests per incremental list poll vs the lower bound floor(delta/page)+1;
3. requests and credits of a steady-state cycle vs the naive plan (4 calls per
   tweet plus full re-scans of every list);
4. cycle makespan at the key's rate limit vs the bound requests / limit;
5. every cycle from then to launch + 24 h with adaptive cadence: credits and requests vs the
   naive plan over the same cycles, and the largest lag from a counter moving in the simulator
   to SOCAP storing it, in poll intervals;
6. engagement upsert rate vs raw insert_many on the same store.

    .venv/bin/python bench/ingestion_bench.py --tweets 400 --rps 10

Prints a markdown table; every figure is a ratio to a baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stores  # noqa: E402

from socap_project.vocabulary import ACTIONS, TWEET_CATEGORIES  # noqa: E402
from tests.support.simulator import SimulatorProcess  # noqa: E402


def scenario_file(folder: Path, tweets: int) -> Path:
    spec = {
        "name": f"bench-{tweets}", "launch_time": "2025-03-15T15:00:00Z", "duration_hours": 72, "decay_hours": 8,
        "seed": 5, "important_people": 20, "double_reply_rate": 0.1, "unretweet_rate": 0.0,
        "accounts": {"count": 1500, "mix": {"founders": 0.2, "vcs": 0.15, "developers": 0.3, "media": 0.1,
                                            "others": 0.25}},
        "tweets": [{"id": str(1_950_000_000_000_000_000 + i), "category": TWEET_CATEGORIES[i % 3],
                    "offset_minutes": i % 90, "retweets": 6, "replies": 2, "quotes": 1, "likes": 200,
                    "views": 20000, "bookmarks": 5} for i in range(tweets)],
    }
    path = folder / "bench.json"
    path.write_text(json.dumps(spec))
    return path


def setup(folder: Path, tweets: int, rps: float):
    sim = SimulatorProcess(folder, scenario=str(scenario_file(folder, tweets)), rate_limit_rps=0,
                           extra=["--start", "2025-03-15T18:00:00Z"]).start()
    processes = stores.start(folder, X_API_BASE_URL=sim.base_url, X_API_KEY="bench-key",
                             X_API_RATE_LIMIT_RPS=str(rps))
    return [*processes, sim.process], sim


def make_campaign(sim, tweets: int):
    from campaigns import services
    from campaigns.inputs import CATEGORY_KEYS, AlertPreferencesInput, CampaignInput, TweetInput

    urls = sim.scenario()["tweets"]
    inputs = [TweetInput(url=t["url"], category=t["category"], path=f"{CATEGORY_KEYS[t['category']]}[{i}].url")
              for i, t in enumerate(urls)]
    start = dt.datetime(2025, 3, 15, 15, tzinfo=dt.UTC)
    return services.create_campaign(CampaignInput(
        launch_name="bench", client_name="bench", client_email="b@example.com", start_date=start,
        end_date=start + dt.timedelta(days=3), tweets=inputs, alerts=AlertPreferencesInput(channels=[])))


def bench_fan_out(campaign) -> tuple[float, int]:
    from ingestion.polling import scheduler
    from socap_project.redis_client import get_redis

    started = time.perf_counter()
    scheduler.enqueue_metrics([campaign.pk])
    jobs = 1 + scheduler.enqueue_lists(campaign.pk)
    elapsed = time.perf_counter() - started
    get_redis().flushdb()  # nothing consumes these here
    return elapsed, jobs


def bench_publish(jobs: int) -> tuple[float, float]:
    """`jobs` list-job messages: one pipelined publish (scheduler.publish) vs one apply_async each."""
    from ingestion.polling import scheduler
    from ingestion.tasks import poll_list
    from socap_project.redis_client import get_redis

    messages = [(poll_list, [1, str(i // 3), scheduler.LIST_JOBS[i % 3]], {"cycle_id": None}, 3)
                for i in range(jobs)]
    scheduler.publish(messages[:10])  # connect once, like a running Beat
    started = time.perf_counter()
    for task, args, kwargs, priority in messages:
        task.apply_async(args=args, kwargs=kwargs, priority=priority)
    one_by_one = time.perf_counter() - started
    started = time.perf_counter()
    scheduler.publish(messages)
    batched = time.perf_counter() - started
    get_redis().flushdb()
    return batched, one_by_one


def list_job(campaign_pk: int, tweet_id: str, job_type: str):
    """A list job as the worker runs it: when the shared rate limiter is full the task is retried after the
    countdown it gives (here this thread waits it out, standing in for the broker), from where it stopped."""
    from ingestion.polling.list_job import run_list_job

    run = run_list_job(campaign_pk, tweet_id, job_type)
    while run.retry_in is not None:
        time.sleep(run.retry_in)
        run = run_list_job(campaign_pk, tweet_id, job_type, resume=run.resume)
    return run


def metrics_job(campaign_pk: int, cycle_at):
    """The metrics job likewise: the tweets a full limiter left out are read after its countdown."""
    from ingestion.polling.metrics_job import run_metrics

    run = run_metrics(campaign_pk, cycle_at)
    polled, jobs, due = list(run.polled), list(run.list_jobs), list(run.due)
    while run.retry_in is not None:
        time.sleep(run.retry_in)
        run = run_metrics(campaign_pk, cycle_at, run.remaining)
        polled += run.polled
        jobs += run.list_jobs
    run.polled, run.list_jobs, run.due = polled, jobs, due
    return run


def adaptive_cycles(sim, campaign, tweets: int, until: dt.datetime, workers: int = 4) -> dict:
    """Every 30-min cycle up to `until` as Beat runs it (fan-out time passed, quiet tweets resting).

    List jobs whose counter has not moved are count-gated (no request, no credit); the
    bench skips running them to save time on the embedded store, which changes no figure.
    """
    from ingestion.polling.scheduler import LIST_JOBS
    from socap_project import mongo

    interval = dt.timedelta(minutes=30)
    cycle = sim.now()
    totals = {"cycles": 0, "credits": 0, "requests": 0, "naive_credits": 0, "naive_requests": 0, "polled": 0}
    polls: dict[str, list[dt.datetime]] = {}
    first_cycle = cycle
    while cycle < until:
        sim.set_clock(cycle)
        naive_req, naive_credits = naive_requests(sim, tweets)
        before, spent = requests_total(sim), credits_spent(sim)
        run = metrics_job(campaign.pk, cycle)
        for tweet_id in run.polled:
            polls.setdefault(tweet_id, []).append(cycle)
        counts = {t.tweet_id: t.metrics for t in campaign.tweets.filter(tweet_id__in=run.due)}
        states = {(s["tweet_id"], s["job_type"]): s for s in mongo.collection(mongo.WORKER_STATE).find(
            {"campaign_id": campaign.mongo_id, "job_type": {"$in": list(LIST_JOBS)}})}
        jobs = [(t, j) for t in run.due for j in LIST_JOBS
                if not states[(t, j)].get("backfill_done") or states[(t, j)].get("last_error")
                or states[(t, j)].get("last_count") != (counts[t] or {}).get(j)]
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda tj: list_job(campaign.pk, *tj), jobs))
        totals["cycles"] += 1
        totals["polled"] += len(run.polled)
        totals["requests"] += requests_total(sim) - before
        totals["credits"] += credits_spent(sim) - spent
        totals["naive_requests"] += naive_req
        totals["naive_credits"] += naive_credits
        cycle += interval
    # The lag: from each counter move in the simulator (an engagement, or its withdrawal) to
    # the next metrics reading of that tweet, which stores the new counter.
    truth = sim.ground_truth(until)
    lags = []
    for e in truth["engagements"]:
        for stamp in (e["timestamp"], e["removed_at"]):
            if not stamp:
                continue
            at = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            after = [t for t in polls.get(e["tweet_id"], []) if t >= at]
            if at > first_cycle and after:
                lags.append((min(after) - at) / interval)
    totals["max_lag"] = max(lags, default=0.0)
    totals["moves"] = len(lags)
    return totals


def credits_spent(sim) -> int:
    return sim.http.get(sim.base_url + "/_sim/credits", params={"key": "bench-key"}, timeout=10).json()["spent"]


def run_cycle(campaign, cycle_at: dt.datetime, workers: int = 4) -> float:
    """One cycle as the worker runs it: the metrics job, then the list jobs it enqueues (list_gating.py)."""

    started = time.perf_counter()
    run = metrics_job(campaign.pk, cycle_at)  # simulated time, so the cadence that follows is in the same clock
    jobs = run.list_jobs
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda tj: list_job(campaign.pk, *tj), jobs))
    return time.perf_counter() - started


def requests_total(sim) -> int:
    return sum(v for k, v in sim.stats().items() if k.startswith("requests:"))


def naive_requests(sim, tweets: int, page: int = 20) -> tuple[int, int]:
    """The naive plan: metrics per tweet, and every list read in full on every cycle."""
    truth = sim.ground_truth()
    counts: dict[tuple, int] = {}
    for e in truth["engagements"]:
        if e["visible"]:
            counts[(e["tweet_id"], e["action_type"])] = counts.get((e["tweet_id"], e["action_type"]), 0) + 1
    requests, credits = tweets, 15 * tweets
    for metrics_tweet in truth["metrics"]:
        for action in ACTIONS:
            n = counts.get((metrics_tweet, action), 0)
            pages = max(1, -(-n // page))
            requests += pages
            per_item = 18 if action == "retweet" else 15
            credits += sum(max(15, per_item * min(page, n - p * page)) for p in range(pages)) if n else 15
    return requests, credits


def bench_ingest(n: int) -> tuple[float, float]:
    from ingestion.storing.engagements import Engager, store_page
    from socap_project import mongo

    now = dt.datetime.now(dt.UTC)
    raw = [{"campaign_id": "raw", "tweet_id": "t", "user_id": str(i), "action_type": "retweet", "created_at": now}
           for i in range(n)]
    started = time.perf_counter()
    for start in range(0, n, 20):
        mongo.collection("bench_raw").insert_many(raw[start:start + 20])
    raw_rate = n / (time.perf_counter() - started)
    engagers = [Engager(str(i), f"u{i}", "U", "developer", "", 10, False) for i in range(n)]
    started = time.perf_counter()
    for start in range(0, n, 20):
        store_page(campaign_id="ingest", tweet_id="t", tweet_category="main_twt", job_type="retweets",
                   engagers=engagers[start:start + 20], now=now)
    return raw_rate, n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tweets", type=int, default=400)
    parser.add_argument("--rps", type=float, default=10.0)
    parser.add_argument("--ingest", type=int, default=1000, help="engagements for the ingest-rate figure")
    parser.add_argument("--publish", type=int, default=1600, help="jobs for the enqueue figure")
    parser.add_argument("--makespan-only", action="store_true",
                        help="stop after the two cycle makespans (skip the day of adaptive cycles and the ingest rate)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="socap-bench-"))
    processes, sim = setup(folder, args.tweets, args.rps)
    with stores.stopping(processes):
        rows = []
        campaign = make_campaign(sim, args.tweets)
        fan_out, jobs = bench_fan_out(campaign)
        rows.append((f"fan-out of {jobs} jobs", f"{fan_out:.2f} s", "original plan: 2 s", f"{fan_out / 2:.2f}×"))
        batched, one_by_one = bench_publish(args.publish)
        rows.append((f"enqueue {args.publish} jobs (goal ≤ 0.5 s)", f"{batched:.2f} s",
                     f"one apply_async each: {one_by_one:.2f} s", f"{batched / one_by_one:.2f}×"))

        backfill_requests_before = requests_total(sim)
        backfill = run_cycle(campaign, sim.now())
        backfill_requests = requests_total(sim) - backfill_requests_before
        rows.append(("first cycle (backfill): requests", str(backfill_requests),
                     f"bound {backfill_requests / args.rps:.1f} s at {args.rps:g} req/s",
                     f"makespan {backfill:.1f} s = {backfill / (backfill_requests / args.rps):.2f}× bound"))

        sim.advance(minutes=30)
        naive_req, naive_credits = naive_requests(sim, args.tweets)
        before, spent_before = requests_total(sim), sim.http.get(
            sim.base_url + "/_sim/credits", params={"key": "bench-key"}, timeout=10).json()["spent"]
        cycle = run_cycle(campaign, sim.now())
        requests = requests_total(sim) - before
        spent = sim.http.get(sim.base_url + "/_sim/credits", params={"key": "bench-key"},
                             timeout=10).json()["spent"] - spent_before
        rows.append(("cycle at launch + 3.5 h, every tweet read: requests", str(requests), f"naive plan {naive_req}",
                     f"{requests / naive_req:.3f}×"))
        rows.append(("cycle at launch + 3.5 h, every tweet read: credits", str(spent), f"naive plan {naive_credits}",
                     f"{spent / naive_credits:.3f}×"))
        rows.append(("that cycle's makespan", f"{cycle:.1f} s", f"bound {requests / args.rps:.1f} s",
                     f"{cycle / max(requests / args.rps, 0.001):.2f}× bound"))
        if args.makespan_only:
            report(args, rows)
            return

        sim.advance(minutes=30)
        day_one = dt.datetime(2025, 3, 16, 15, tzinfo=dt.UTC)  # launch + 24 h
        adaptive = adaptive_cycles(sim, campaign, args.tweets, day_one)
        span = f"{adaptive['cycles']} cycles to launch + 24 h, adaptive cadence"
        rows.append((f"{span}: credits", str(adaptive["credits"]), f"naive plan {adaptive['naive_credits']}",
                     f"{adaptive['credits'] / adaptive['naive_credits']:.3f}× (goal ≤ 0.20×)"))
        rows.append((f"{span}: requests", str(adaptive["requests"]), f"naive plan {adaptive['naive_requests']}",
                     f"{adaptive['requests'] / adaptive['naive_requests']:.3f}×"))
        rows.append((f"{span}: tweets read per cycle", f"{adaptive['polled'] / adaptive['cycles']:.0f}",
                     f"every tweet: {args.tweets}", f"{adaptive['polled'] / adaptive['cycles'] / args.tweets:.2f}×"))
        rows.append(("largest lag, counter move → stored (first 24 h)", f"{adaptive['max_lag']:.2f} intervals",
                     f"goal ≤ 2 intervals ({adaptive['moves']} moves)", f"{adaptive['max_lag'] / 2:.2f}× goal"))

        raw_rate, upsert_rate = bench_ingest(args.ingest)
        rows.append((f"ingest {args.ingest} engagements (pages of 20, store only)", f"{upsert_rate:.0f}/s",
                     f"raw insert_many {raw_rate:.0f}/s", f"{upsert_rate / raw_rate:.2f}×"))
        report(args, rows)


def report(args, rows) -> None:
    print(f"\nIngestion benchmark — {args.tweets} tweets, {args.rps:g} req/s key limit, embedded "
          f"MongoDB-compatible store (SecantusDB/WiredTiger), {platform.machine()} {os.cpu_count()} cores, "
          f"Python {platform.python_version()}\n")
    print("| measure | SOCAP | baseline | ratio |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
