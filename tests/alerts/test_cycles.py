"""Alerts planned per poll cycle (ingestion/polling/poll_cycles.py, alerts/planning.py, alerts/spikes.py)."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from alerts import planner_state, planning
from alerts.sender import send_due
from alerts.services import queue_late_alerts
from ingestion.polling import poll_cycles
from ingestion.storing import engagement_selectors
from ingestion.storing.handoff import hand_off
from socap_project import mongo
from tests.alerts.test_alerts import campaign_with, make_due, stored
from tests.factories import engagement_doc, make_campaign

pytestmark = pytest.mark.django_db(transaction=True)


def queue():
    return list(mongo.collection(mongo.ALERT_QUEUE).find().sort("scheduled_send_time", 1))


def open_with_jobs(campaign, now=None, jobs=3, kind=poll_cycles.POLL):
    cycle_id = poll_cycles.open_cycle(campaign.pk, now or timezone.now(), kind=kind)
    poll_cycles.expect_jobs(cycle_id, jobs)
    return cycle_id


def finish(cycle_id, jobs=3, fresh=0):
    return [poll_cycles.job_done(cycle_id, f"t:{i}", fresh if i == 0 else 0) for i in range(jobs)]


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
    done = [poll_cycles.job_done(cycle_id, job) for job in ("t:0", "t:0", "t:1", "t:2")]
    assert done == [False, False, False, True]
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
    mongo.collection(mongo.ALERT_PLANNER).update_one({"_id": campaign.mongo_id}, {"$set": {"cycle": first}})
    assert planner_state.fix_window(poll_cycles.get(first), owner) == (0, 4)
    second = open_with_jobs(campaign)
    stored([engagement_doc(campaign, tweet, str(i), importance=50) for i in range(4, 6)])
    # The second cycle's planner finds the claim expired: it plans the dead planner's cycle first,
    # with its fixed window, then its own from where that one stopped.
    assert planning.plan_cycle(second).found == 2
    assert poll_cycles.get(first)["state"] == poll_cycles.PLANNED and planner_state.plan_of(first)["found"] == 4
    assert (planner_state.plan_of(second)["seq_from"], planner_state.plan_of(second)["seq_to"]) == (4, 6)
    assert planning.plan_cycle(first).state == "already_planned"
    batches = [i["run_batch"] for i in queue()]
    assert sorted(batches) == sorted([first] * 4 + [second] * 2)
    # Killed after queueing but before marking the cycle planned: the re-plan queues nothing new.
    mongo.collection(mongo.POLL_CYCLES).update_one({"_id": second}, {"$set": {"state": poll_cycles.RUNNING}})
    assert planning.plan_cycle(second).queued == 0
    assert len(queue()) == 6


def test_a_busy_planner_is_not_overtaken(mongo_db, redis_conn):
    campaign = make_campaign()
    cycle_id = open_with_jobs(campaign)
    assert planning._claim(campaign.mongo_id, "other", timezone.now()) is not None
    assert planning.plan_cycle(cycle_id).state == "busy"
    assert poll_cycles.get(cycle_id)["state"] == poll_cycles.RUNNING


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
    fresh = open_with_jobs(campaign, kind=poll_cycles.MANUAL)  # still inside its wait
    assert poll_cycles.due() == [cycle_id]
    assert [p.state for p in planning.plan_due()] == ["planned"]
    assert poll_cycles.get(fresh)["state"] == poll_cycles.RUNNING and len(queue()) == 1


def test_a_cycles_alerts_are_spread_to_end_before_the_next_cycle(mongo_db, redis_conn):
    campaign = make_campaign(alert_spacing_minutes=20)
    tweet = campaign.tweets.first()
    cycle_id = open_with_jobs(campaign)
    # The next fan-out is 10 minutes away: the 20-minute spacing is cut to end before it.
    next_at = timezone.now() + dt.timedelta(minutes=10)
    mongo.collection(mongo.POLL_CYCLES).update_one({"_id": cycle_id}, {"$set": {"next_at": next_at}})
    stored([engagement_doc(campaign, tweet, str(i), importance=10 + i) for i in range(30)])
    planning.plan_cycle(cycle_id)
    cycle = poll_cycles.get(cycle_id)
    times = [i["scheduled_send_time"] for i in queue()]
    assert len(times) == 30 and max(times) <= planning.send_by(cycle) < next_at
    assert max(times) > timezone.now() + dt.timedelta(minutes=7)  # spread over the time left, not bunched
    assert [i["importance_score"] for i in queue()] == sorted((10 + i for i in range(30)), reverse=True)


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


def test_the_last_engagement_of_a_cycle_is_alerted_on_the_embedded_store(mongo_db, redis_conn):
    # The window's upper bound is inclusive; the embedded engine drops `$lte: x` matches on an index scan.
    campaign = make_campaign()
    tweet = campaign.tweets.first()
    cycle_id = open_with_jobs(campaign)
    stored([engagement_doc(campaign, tweet, str(i), importance=50) for i in range(5)])
    plan = planning.plan_cycle(cycle_id)
    fixed = planner_state.plan_of(cycle_id)
    assert (fixed["seq_from"], fixed["seq_to"]) == (0, 5)
    assert plan.found == 5
    assert sorted(i["user_id"] for i in queue()) == ["0", "1", "2", "3", "4"]


def test_cycle_windows_write_no_lte_bound(mongo_db, monkeypatch):
    # On this engine version the (campaign_id, seq) scan keeps `$lte` matches (seq is the index's last key;
    # the drop was measured on a range key followed by another), so the query shape is checked as well.
    filters = []
    real = mongo.collection

    class Recording:
        def __init__(self, name):
            self.coll = real(name)

        def find(self, query, *args, **kwargs):
            filters.append(query)
            return self.coll.find(query, *args, **kwargs)

    monkeypatch.setattr(engagement_selectors.mongo, "collection", Recording)
    engagement_selectors.cycle_window("1", 3, 9, {"seq": 1})
    assert filters == [{"campaign_id": "1", "seq": {"$gt": 3, "$lt": 10}}]


def test_the_upgrade_carries_the_planned_mark_off_the_counters_once(mongo_db, redis_conn):
    """Versions before alerts kept their own state wrote `alert_seq` on ingestion's counter document:
    socap_init_db copies it over, so the first plan after the upgrade starts where the last one stopped."""
    campaign = make_campaign(alert_spacing_minutes=20)
    tweet = campaign.tweets.first()
    stored([engagement_doc(campaign, tweet, str(i), importance=50) for i in range(6)])
    mongo.collection(mongo.COUNTERS).update_one({"_id": campaign.mongo_id}, {"$set": {"alert_seq": 4}})
    assert planner_state.alert_seq(campaign.mongo_id) == 0
    call_command("socap_init_db")
    call_command("socap_init_db")  # again: nothing moves twice
    assert planner_state.alert_seq(campaign.mongo_id) == 4
    assert "alert_seq" not in mongo.collection(mongo.COUNTERS).find_one({"_id": campaign.mongo_id})
    cycle_id = open_with_jobs(campaign)
    assert planning.plan_cycle(cycle_id).found == 2  # 5 and 6: the four planned before are not alerted again


def test_the_upgrade_keeps_a_window_fixed_on_a_poll_cycle_by_a_planner_that_died(mongo_db, redis_conn):
    """Versions before alerts kept their own cycle records fixed the window on ingestion's poll cycle and
    then moved `alert_seq` past it: a cycle left unplanned that way keeps its window across the upgrade."""
    campaign = make_campaign(alert_spacing_minutes=20)
    tweet = campaign.tweets.first()
    stored([engagement_doc(campaign, tweet, str(i), importance=50) for i in range(6)])
    cycle_id = open_with_jobs(campaign)
    mongo.collection(mongo.POLL_CYCLES).update_one({"_id": cycle_id}, {"$set": {"seq_from": 0, "seq_to": 6}})
    mongo.collection(mongo.ALERT_PLANNER).insert_one({"_id": campaign.mongo_id, "alert_seq": 6, "until": None})
    call_command("socap_init_db")
    call_command("socap_init_db")
    assert planning.plan_cycle(cycle_id).found == 6
    assert planner_state.plan_of(cycle_id)["seq_to"] == 6

