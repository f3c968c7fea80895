"""Alerts per poll cycle with real workers, the simulator's demo launch and the local Slack/SMTP sinks.

Poll cycles of INTERVAL real seconds, each a Beat fan-out (called here) with the
simulator's clock moved on ten minutes. The worker is killed -9 once, right
after a cycle's jobs are all done and before its alerts are planned. The
demo scenario's burst (launch + 5 h 20) falls into one cycle.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import signal
import time
from collections import Counter

import pytest
from django.utils import timezone

from alerts import planner_state
from alerts.models import AlertHistory
from alerts.planning import plan_due
from alerts.sender import send_due
from campaigns import services
from campaigns.inputs import CATEGORY_KEYS, AlertPreferencesInput, CampaignInput, TweetInput
from ingestion.polling import poll_cycles
from ingestion.storing import importance
from ingestion.polling.scheduler import enqueue_metrics, fan_out
from socap_project import mongo
from tests.reliability import ledger
from tests.reliability.workers import worker
from tests.support.processes import wait_until
from tests.support.simulator import SimulatorProcess

pytestmark = pytest.mark.django_db(transaction=True)
INTERVAL = 20  # seconds of real time per poll cycle
PLAN_WAIT = 8  # the bounded wait
THRESHOLD = 8
# Simulated time of each measured cycle, in minutes after the launch: three cycles of history for the
# spike rate, the burst (320-323, seen by the fourth), one cycle of decay.
CYCLE_MINUTES = [295, 305, 315, 325, 335]
BURST_CYCLE, KILL_CYCLE = 3, 1
HANDLE = re.compile(r"@(\w+)")


@pytest.fixture
def demo_sim(tmp_log_dir, settings, mongo_db, redis_conn):
    sim = SimulatorProcess(tmp_log_dir, scenario="burst",
                           extra=["--start", "2025-03-15T19:45:00Z", "--scale", "0.3"]).start()
    settings.X_API_BASE_URL, settings.X_API_KEY, settings.X_API_RATE_LIMIT_RPS = sim.base_url, "test-key", 200
    yield sim
    sim.stop()


def demo_campaign(sim, sinks):
    importance.upsert_entries([importance.entry(row["user_id"], row["followers"])
                               for row in map(json.loads, sim.following_index().splitlines()) if row])
    tweets = [TweetInput(url=t["url"], category=t["category"], path=f"{CATEGORY_KEYS[t['category']]}[{i}].url")
              for i, t in enumerate(sim.scenario()["tweets"]) if not t["protected"]]
    now = timezone.now()
    return services.create_campaign(CampaignInput(
        launch_name="Demo", client_name="Orbit", client_email="c@example.com",
        start_date=now - dt.timedelta(hours=1), end_date=now + dt.timedelta(days=2), tweets=tweets,
        alerts=AlertPreferencesInput(importance_threshold=THRESHOLD, channels=["slack", "email"],
                                     slack_webhook_url=sinks.webhook, frequency_window_minutes=1,
                                     alert_spacing_minutes=1, spike_factor=3, spike_min_engagements=10),
    ))


def send_and_sweep(until: float) -> None:
    """What the sender and Beat's bounded-wait sweep do, until `until` (a time.time())."""
    while time.time() < until:
        plan_due()
        send_due()
        time.sleep(max(0.0, min(0.2, until - time.time())))


def unsent() -> int:
    return mongo.collection(mongo.ALERT_QUEUE).count_documents({"status": {"$in": ["pending", "sending"]}})


def next_slot_start() -> float:
    return (int(time.time()) // INTERVAL + 1) * INTERVAL


def freeze_and_kill(process) -> None:
    process.signal_group(signal.SIGSTOP)  # nothing moves while we look
    process.kill()
    process.stop()


def by_cycle(records: list[dict], windows: dict[str, tuple[float, float]], field: str) -> dict[str, list[str]]:
    """Usernames of the alert messages (not spikes) that arrived inside each cycle's window."""
    out: dict[str, list[str]] = {cycle_id: [] for cycle_id in windows}
    for record in records:
        text = record[field]
        if "Engagement spike" in text:
            continue
        for cycle_id, (start, end) in windows.items():
            if start <= record["at"] < end:
                out[cycle_id].append(HANDLE.search(text).group(1))
    return out


def test_one_message_per_account_per_cycle_spike_once_and_a_kill_loses_nothing(demo_sim, sinks, tmp_log_dir,
                                                                              settings):
    settings.SOCAP_POLL_INTERVAL_SECONDS, settings.SOCAP_ALERT_PLAN_WAIT_SECONDS = INTERVAL, PLAN_WAIT
    settings.SOCAP_ALERT_CLAIM_SECONDS = 3
    env = {"SOCAP_POLL_INTERVAL_MINUTES": INTERVAL / 60, "SOCAP_ALERT_PLAN_WAIT_MINUTES": PLAN_WAIT / 60,
           "SOCAP_ALERT_CLAIM_SECONDS": 3}
    campaign = demo_campaign(demo_sim, sinks)
    launch = demo_sim.launch()
    process = worker(tmp_log_dir, demo_sim, concurrency=2, **env)
    try:
        # Setup: the first poll backfills 4 h 45 of launch; its alerts take Slack's 1 message/s,
        # longer than one of this test's short cycles, so they are sent before the measured poll_cycles.
        enqueue_metrics([campaign.pk])
        assert wait_until(lambda: not poll_cycles.due(timezone.now() + dt.timedelta(days=1)), 60), process.tail()
        assert wait_until(lambda: send_due() and not unsent(), 120)
        setup_messages = len(sinks.messages()["slack"])

        windows: dict[str, tuple[float, float]] = {}
        killed_state = None
        boundary = next_slot_start()
        for index, minutes in enumerate(CYCLE_MINUTES):
            time.sleep(max(0.0, boundary + 0.2 - time.time()))
            demo_sim.set_clock(launch + dt.timedelta(minutes=minutes))
            started = time.time()
            assert fan_out().campaigns == 1
            cycle_id = f"{campaign.pk}:{int(started) // INTERVAL}"
            boundary += INTERVAL
            windows[cycle_id] = (started, boundary)
            if index == KILL_CYCLE:
                assert wait_until(lambda: (c := poll_cycles.get(cycle_id))["jobs_expected"] is not None  # noqa: B023 - awaited here
                                  and c["finished"] >= c["jobs_expected"], INTERVAL, interval=0.005)
                freeze_and_kill(process)
                killed_state = poll_cycles.get(cycle_id)["state"]
                ledger.record(kills=1)
                process = worker(tmp_log_dir, demo_sim, concurrency=2, **env)
            send_and_sweep(boundary - 0.3)
    finally:
        process.stop()
    send_and_sweep(time.time() + 3)  # nothing should be left: asserted below

    assert killed_state == poll_cycles.RUNNING, "the kill did not land between the jobs and the planning"
    planned = {cycle_id: poll_cycles.get(cycle_id) for cycle_id in windows}
    for cycle_id, cycle in planned.items():
        assert cycle["state"] == poll_cycles.PLANNED and cycle["planned_at"] < cycle["next_at"], cycle_id
    queue = list(mongo.collection(mongo.ALERT_QUEUE).find({"run_batch": {"$in": list(windows)}}))
    assert queue and all(item["status"] == "sent" for item in queue), [i["status"] for i in queue]
    expected = {cycle_id: sorted(i["username"] for i in queue if i["run_batch"] == cycle_id and "kind" not in i)
                for cycle_id in windows}
    messages = sinks.messages()
    slack = by_cycle(messages["slack"], windows, "text")
    email = by_cycle(messages["email"], windows, "subject")
    # Exactly one message per account per cycle, every one inside its cycle's window.
    wanted = {(cycle_id, user) for cycle_id, users in expected.items() for user in users}
    for channel, got in (("slack", slack), ("email", email)):
        lost, repeated = ledger.compare(wanted, Counter((c, user) for c, users in got.items() for user in users))
        assert not lost and not repeated, (channel, lost, repeated)
    measured = sum(len(v) for v in expected.values())
    assert len(messages["slack"]) == setup_messages + measured + 1  # + the spike, nothing outside the windows

    burst = list(windows)[BURST_CYCLE]
    # The burst's accounts engaged three tweets each: one message each, batched (an engagement already
    # alerted inside the frequency window drops out of its message).
    several = sorted(i["username"] for i in queue if i["run_batch"] == burst and len(i.get("engagements", [])) > 1)
    batched = sorted(HANDLE.search(m["text"]).group(1) for m in messages["slack"]
                     if re.search(r"engaged with \d tweets", m["text"])
                     and windows[burst][0] <= m["at"] < windows[burst][1])
    assert len(several) >= 3 and batched == several, (several, batched)
    spikes = [m for m in messages["slack"] if m["text"].startswith("Engagement spike")]
    assert len(spikes) == 1 and windows[burst][0] <= spikes[0]["at"] < windows[burst][1], spikes
    assert [cycle_id for cycle_id in planned if planner_state.plan_of(cycle_id)["spike"]] == [burst]
    assert len([m for m in messages["email"] if m["subject"].startswith("[Demo] Engagement spike")]) == 1

    # Nothing lost overall: every stored engagement that reaches the threshold was alerted on both channels.
    important = {(d["user_id"], d["action_type"]) for d in mongo.collection(mongo.ENGAGEMENTS).find(
        {"campaign_id": campaign.mongo_id, "importance_score": {"$gte": THRESHOLD}})}
    for channel in ("slack", "email"):
        sent = set(AlertHistory.objects.filter(campaign=campaign, channel=channel, status=AlertHistory.Status.SENT)
                   .values_list("user_id", "action_type"))
        assert important <= sent, (channel, important - sent)
