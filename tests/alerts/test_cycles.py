"""Alerts planned per poll cycle (ingestion/cycles.py, alerts/planning.py, alerts/spikes.py), in-process."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from alerts import planning, spikes
from alerts.models import AlertHistory
from alerts.sender import send_due
from alerts.services import queue_late_alerts
from ingestion import cycles
from ingestion.events import hand_off
from socap_project import mongo
from tests.alerts.test_alerts import campaign_with, make_due, stored
from tests.factories import engagement_doc, make_campaign

pytestmark = pytest.mark.django_db(transaction=True)


def queue():
    return list(mongo.collection(mongo.ALERT_QUEUE).find().sort("scheduled_send_time", 1))


def open_with_jobs(campaign, now=None, jobs=3, kind=cycles.POLL):
    cycle_id = cycles.open_cycle(campaign.pk, now or timezone.now(), kind=kind)
    cycles.expect_jobs(cycle_id, jobs)
    return cycle_id


def finish(cycle_id, jobs=3, fresh=0):
    return [cycles.job_done(cycle_id, f"t:{i}", fresh if i == 0 else 0) for i in range(jobs)]


def test_jobs_of_one_cycle_are_planned_once_as_one_message_per_account(sinks):
    campaign = campaign_with(sinks, alert_spacing_minutes=20)
    tweets = {t.category: t for t in campaign.tweets.all()}
    cycle_id = open_with_jobs(campaign)
    # Three jobs (three tweets) each hand their page off: nothing is queued per page any more.
    pages = [
        [engagement_doc(campaign, tweets["main_twt"], "7", "retweet", importance=25, category="vcs", username="vcx"),
         engagement_doc(campaign, tweets["main_twt"], "8", "retweet", importance=12, username="solo")],
        [engagement_doc(campaign, tweets["influencer_twt"], "7", "reply", importance=25, category="vcs",
                        username="vcx", text="Love it")],
        [engagement_doc(campaign, tweets["investor_twt"], "7", "quote", importance=25, category="vcs",
                        username="vcx", text="Big")],
    ]
    for page in pages:
        hand_off(campaign, stored(page), "job-run")
    assert queue() == []
    # A redelivered job reports twice: counted once, and only the last report completes the cycle.
    assert [cycles.job_done(cycle_id, "t:0"), cycles.job_done(cycle_id, "t:0"), cycles.job_done(cycle_id, "t:1"),
            cycles.job_done(cycle_id, "t:2")] == [False, False, False, True]
    plan = planning.plan_cycle(cycle_id)
    assert (plan.state, plan.found, plan.queued) == ("planned", 4, 2)
    assert planning.plan_cycle(cycle_id).state == "already_planned"
    items = queue()
    assert [i["username"] for i in items] == ["vcx", "solo"]  # most important first
    assert {i["run_batch"] for i in items} == {cycle_id}
    make_due()
    assert send_due().sent == 2
    slack = [m["text"] for m in sinks.messages()["slack"]]
    assert len(slack) == 2 and slack[0].startswith(
        "Investor @vcx (importance: 25) engaged with 3 tweets: main (retweet), influencer (reply), investor (quote)")
    assert len(sinks.messages()["email"]) == 2


def test_windows_are_contiguous_and_a_replan_after_a_crash_doubles_nothing(mongo_db, redis_conn):
    campaign = make_campaign(alert_spacing_minutes=20)
    tweet = campaign.tweets.first()
    first = open_with_jobs(campaign, timezone.now() - dt.timedelta(minutes=31))
    stored([engagement_doc(campaign, tweet, str(i), importance=50) for i in range(4)])
    # A planner claims the campaign, fixes the first cycle's window and dies (kill -9) before queueing.
    owner = "dead-planner"
    planning._claim(campaign.mongo_id, owner, timezone.now() - dt.timedelta(hours=1))
    mongo.collection(mongo.COUNTERS).update_one({"_id": campaign.mongo_id}, {"$set": {"planner_cycle": first}})
    assert planning._fix_window(cycles.get(first), owner) == (0, 4)
    second = open_with_jobs(campaign)
    stored([engagement_doc(campaign, tweet, str(i), importance=50) for i in range(4, 6)])
    # The second cycle's planner finds the claim expired: it plans the dead planner's cycle first,
    # with its fixed window, then its own from where that one stopped.
    assert planning.plan_cycle(second).found == 2
    assert cycles.get(first)["state"] == cycles.PLANNED and cycles.get(first)["found"] == 4
    assert (cycles.get(second)["seq_from"], cycles.get(second)["seq_to"]) == (4, 6)
    assert planning.plan_cycle(first).state == "already_planned"
    batches = [i["run_batch"] for i in queue()]
    assert sorted(batches) == sorted([first] * 4 + [second] * 2)
    # Killed after queueing but before marking the cycle planned: the re-plan queues nothing new.
    mongo.collection(mongo.POLL_CYCLES).update_one({"_id": second}, {"$set": {"state": cycles.RUNNING}})
    assert planning.plan_cycle(second).queued == 0
    assert len(queue()) == 6


def test_a_busy_planner_is_not_overtaken(mongo_db, redis_conn):
    campaign = make_campaign()
    cycle_id = open_with_jobs(campaign)
    assert planning._claim(campaign.mongo_id, "other", timezone.now()) is not None
    assert planning.plan_cycle(cycle_id).state == "busy"
    assert cycles.get(cycle_id)["state"] == cycles.RUNNING


def test_an_engagement_stored_into_a_planned_window_is_queued_by_its_own_hand_off(mongo_db, redis_conn):
    campaign = make_campaign()
    tweet = campaign.tweets.first()
    cycle_id = open_with_jobs(campaign)
    late = engagement_doc(campaign, tweet, "late", importance=50)  # its number reserved before the plan ...
    planning.plan_cycle(cycle_id)
    assert queue() == []
    hand_off(campaign, stored([late]), "job-run")  # ... stored after it
    assert [i["user_id"] for i in queue()] == ["late"]
    # Numbered after the planned window: it waits for its own cycle.
    assert queue_late_alerts(campaign, stored([engagement_doc(campaign, tweet, "next", importance=50)]), "r") == 0


def test_bounded_wait_plans_a_cycle_whose_job_never_reports(mongo_db, redis_conn, settings):
    campaign = make_campaign()
    stored([engagement_doc(campaign, campaign.tweets.first(), "1", importance=50)])
    cycle_id = open_with_jobs(
        campaign, timezone.now() - dt.timedelta(seconds=settings.SOCAP_ALERT_PLAN_WAIT_SECONDS + 1))
    finish(cycle_id, jobs=2)  # the third job is stuck
    fresh = open_with_jobs(campaign, kind=cycles.MANUAL)  # still inside its wait
    assert cycles.due() == [cycle_id]
    assert [p.state for p in planning.plan_due()] == ["planned"]
    assert cycles.get(fresh)["state"] == cycles.RUNNING and len(queue()) == 1


def test_a_cycles_alerts_are_spread_to_end_before_the_next_cycle(mongo_db, redis_conn):
    campaign = make_campaign(alert_spacing_minutes=20)
    tweet = campaign.tweets.first()
    cycle_id = open_with_jobs(campaign)
    # The next fan-out is 10 minutes away: the 20-minute spacing is cut to end before it.
    next_at = timezone.now() + dt.timedelta(minutes=10)
    mongo.collection(mongo.POLL_CYCLES).update_one({"_id": cycle_id}, {"$set": {"next_at": next_at}})
    stored([engagement_doc(campaign, tweet, str(i), importance=10 + i) for i in range(30)])
    planning.plan_cycle(cycle_id)
    cycle = cycles.get(cycle_id)
    times = [i["scheduled_send_time"] for i in queue()]
    assert len(times) == 30 and max(times) <= planning.send_by(cycle) < next_at
    assert max(times) > timezone.now() + dt.timedelta(minutes=7)  # spread over the time left, not bunched
    assert [i["importance_score"] for i in queue()] == sorted((10 + i for i in range(30)), reverse=True)


def spike_cycles(campaign, fresh_counts, start):
    """Poll cycles one interval apart with these fresh counts, each planned; the last cycle's plan."""
    plans = []
    for index, fresh in enumerate(fresh_counts):
        cycle_id = open_with_jobs(campaign, start + dt.timedelta(minutes=30 * index), jobs=1)
        cycles.job_done(cycle_id, "t:0", fresh)
        if fresh:
            stored([engagement_doc(campaign, campaign.tweets.first(), f"{index}-{n}", importance=n,
                                   username=f"u{index}x{n}") for n in range(fresh)])
        plans.append(planning.plan_cycle(cycle_id))
    return plans


def test_spike_alert_once_for_a_burst_never_in_the_decay(sinks):
    campaign = campaign_with(sinks, spike_factor=3, spike_min_engagements=10, importance_threshold=1000)
    start = timezone.now() - dt.timedelta(hours=6)
    #            history         burst  decay
    counts = [9, 6, 5, 4, 4, 3, 40, 12, 8, 5, 3, 2]
    plans = spike_cycles(campaign, counts, start)
    assert [p.spike for p in plans] == [False] * 6 + [True] + [False] * 5
    items = [i for i in queue() if i.get("kind") == spikes.SPIKE]
    assert len(items) == 1 and items[0]["spike"]["fresh"] == 40
    assert items[0]["spike"]["trailing_mean"] == round((9 + 6 + 5 + 4 + 4 + 3) / 6, 2)
    burst = cycles.get(items[0]["run_batch"])
    mongo.collection(mongo.POLL_CYCLES).update_one({"_id": burst["_id"]}, {"$set": {"state": cycles.RUNNING}})
    assert not planning.plan_cycle(burst["_id"]).queued  # re-planned: no second spike
    assert len([i for i in queue() if i.get("kind") == spikes.SPIKE]) == 1
    make_due()
    send_due()
    slack = [m["text"] for m in sinks.messages()["slack"]]
    assert len(slack) == 1 and slack[0].startswith(
        "Engagement spike: 40 new engagements in the last poll cycle, "
        "7.7× the average of 5.17 over the previous 6 cycles. "
        "Top accounts: Account @u6x39 (")
    assert "importance 39), Account @u6x38" in slack[0]
    assert len(sinks.messages()["email"]) == 1
    history = AlertHistory.objects.filter(action_type="spike")
    assert sorted(history.values_list("channel", flat=True)) == ["email", "slack"]
    assert {h.status for h in history} == {AlertHistory.Status.SENT}


def test_no_spike_without_history_below_the_minimum_or_for_manual_polls(mongo_db, redis_conn):
    campaign = make_campaign(spike_factor=3, spike_min_engagements=10)
    start = timezone.now() - dt.timedelta(hours=6)
    assert not any(p.spike for p in spike_cycles(campaign, [0, 0, 30], start))  # two cycles of history
    assert not spike_cycles(campaign, [1, 9], start + dt.timedelta(hours=2))[-1].spike  # 9 < minimum of 10
    manual = open_with_jobs(campaign, jobs=1, kind=cycles.MANUAL)
    cycles.job_done(manual, "t:0", 500)
    assert not planning.plan_cycle(manual).spike


def test_spike_settings_validated_and_returned_by_the_api(mongo_db, django_user_model):
    campaign = make_campaign()
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("s", "s@example.com", "pw"))
    url = f"/socap/campaigns/{campaign.pk}"
    bad = client.patch(url, {"alert_preferences": {"spike_factor": 1, "spike_min_engagements": 0}},
                       content_type="application/json")
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"alert_preferences.spike_factor", "alert_preferences.spike_min_engagements"}
    ok = client.patch(url, {"alert_preferences": {"spike_factor": 4.5}}, content_type="application/json")
    assert ok.status_code == 200
    prefs = ok.json()["alert_preferences"]
    assert (prefs["spike_factor"], prefs["spike_min_engagements"]) == (4.5, 10)
