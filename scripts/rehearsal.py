"""The production rehearsal (run by scripts/rehearse.sh, which starts PostgreSQL and sets DATABASE_URL).

On one machine, with real processes and SOCAP_ENV=production settings: Redis (broker on DB 0, cache
and locks on DB 1, noeviction), the embedded MongoDB server, the X API simulator with faults (it stands
in for the X API through X_API_BASE_URL), the SMTP/Slack sinks, two gunicorn web processes, two Celery
workers and two Beats. A campaign is created through the API, polled at an accelerated clock (the
simulator's clock moves ten minutes every five seconds), one worker and one Beat are killed with
kill -9 mid-way, and the campaign completes on its own. Then the results are checked against the
simulator's ground truth and printed as a table; any difference makes the exit status 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.processes import ManagedProcess, mongo_uri, port_open, secantusd  # noqa: E402

PORTS = {"redis": 9302, "mongo": 9303, "simulator": 9304, "sink_http": 9305, "sink_smtp": 9306,
         "web1": 9311, "web2": 9312}
PROXIED = {"X-Forwarded-Proto": "https"}  # what the load balancer in front of the web processes adds
INTERVAL_SECONDS = 15  # the poll interval
TICK_SECONDS, TICK_SIMULATED_MINUTES = 5, 10  # the accelerated clock: x120
CAMPAIGN_SECONDS = 240  # the campaign's window from its creation (real time)
KILL_AFTER_SECONDS = 100  # kill -9 one worker and one Beat this long after the creation
FREEZE_BEFORE_END_SECONDS = 30  # the simulated world stops (and faults end) before the window does
COMPLETION_TIMEOUT_SECONDS = 300
LAUNCH_NAME = "Rehearsal launch"
FAULTS = [
    {"kind": "server_error", "probability": 0.04, "count": None, "status": 503},
    {"kind": "rate_limit", "probability": 0.02, "count": None, "retry_after": 1},
    {"kind": "timeout", "probability": 0.02, "count": None, "delay_seconds": 2},
]


def say(message: str) -> None:
    print(f"[rehearsal {time.strftime('%H:%M:%S')}] {message}", flush=True)


def production_env(base: Path) -> dict[str, str]:
    redis = f"redis://127.0.0.1:{PORTS['redis']}"
    return {
        "SOCAP_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "MONGODB_URI": mongo_uri(PORTS["mongo"]),
        "MONGODB_DB": "socap_rehearsal",
        "REDIS_URL": f"{redis}/1",  # cache, locks, rate limiter, heartbeat
        "CELERY_BROKER_URL": f"{redis}/0",
        "CELERY_RESULT_BACKEND": f"{redis}/0",
        "X_API_KEY": "rehearsal-key",
        "X_API_BASE_URL": f"http://127.0.0.1:{PORTS['simulator']}",
        "X_API_RATE_LIMIT_RPS": "100",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{PORTS['web1']},https://127.0.0.1:{PORTS['web2']}",
        # The rehearsal's client plays the TLS-terminating proxy: it sends X-Forwarded-Proto (PROXIED).
        "SOCAP_TRUSTED_PROXY": "true",
        "SOCAP_SITE_URL": f"https://127.0.0.1:{PORTS['web1']}",
        "SOCAP_TRIGGER_SECRET": secrets.token_urlsafe(32),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(PORTS["sink_smtp"]),
        "SOCAP_VAR_DIR": str(base / "var"),
        "SOCAP_ARCHIVE_DIR": str(base / "archives"),
        # The accelerated clock: a 15-second poll interval, a one-minute final-poll deadline, tasks
        # limited to a minute and redelivered (after a kill -9) 90 s after they were taken.
        "SOCAP_POLL_INTERVAL_MINUTES": str(INTERVAL_SECONDS / 60),
        "SOCAP_ALERT_PLAN_WAIT_MINUTES": "0.1",
        "SOCAP_FINAL_POLL_MINUTES": "1",
        "SOCAP_TASK_SOFT_TIME_LIMIT": "30",
        "SOCAP_VISIBILITY_TIMEOUT": "90",
        "SOCAP_UNACKED_RESTORE_INTERVAL": "5",
        "SOCAP_LEASE_SECONDS": "20",
        "SOCAP_COMPLETION_CLAIM_SECONDS": "60",
        "SOCAP_REPORT_EMAIL_CLAIM_SECONDS": "60",
        "SOCAP_LOG_LEVEL": "INFO",
    }


class Topology:
    def __init__(self, base: Path, env: dict[str, str]):
        self.base, self.env, self.logs = base, env, base / "logs"
        self.processes: dict[str, ManagedProcess] = {}
        self.python = sys.executable

    def start(self, name: str, argv: list[str], *, port: int | None = None, ready_text: str | None = None,
              env: dict | None = None, timeout: float = 90) -> ManagedProcess:
        process = ManagedProcess(name, argv, self.logs, port=port, ready_text=ready_text,
                                 env={**self.env, **(env or {})})
        self.processes[name] = process
        process.start(timeout=timeout)
        say(f"started {name} (pid {process.proc.pid})")
        return process

    def manage(self, *args: str) -> str:
        result = subprocess.run([self.python, "manage.py", *args], cwd=ROOT,  # noqa: S603 - our own argv
                                env={**os.environ, **self.env},
                                capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def stop_all(self) -> None:
        for name, process in reversed(list(self.processes.items())):
            try:
                process.stop(timeout=10)
            except Exception as exc:  # noqa: BLE001 - stop the others all the same
                say(f"could not stop {name}: {exc}")


def start_stores(top: Topology) -> None:
    redis_dir = top.base / "redis"
    redis_dir.mkdir(parents=True)
    top.start("redis", ["redis-server", "--bind", "127.0.0.1", "--port", str(PORTS["redis"]), "--dir",
                        str(redis_dir), "--save", "", "--appendonly", "no", "--maxmemory", "256mb",
                        "--maxmemory-policy", "noeviction"], port=PORTS["redis"])
    top.start("mongo", [secantusd(), "--host", "127.0.0.1", "--port", str(PORTS["mongo"]), "--storage-path",
                        str(top.base / "mongo"), "--log-level", "WARNING"], port=PORTS["mongo"])


def start_simulator(top: Topology) -> str:
    top.start("simulator", [top.python, "-m", "fakes.x_api", "--port", str(PORTS["simulator"]),
                            "--scenario", "tiny", "--scale", "2", "--clock", "manual",
                            "--start", "2025-03-15T16:30:00Z", "--rate-limit-rps", "0"], port=PORTS["simulator"])
    top.start("sinks", [top.python, "-m", "fakes.alert_sinks", "--http-port", str(PORTS["sink_http"]), "--smtp-port",
                        str(PORTS["sink_smtp"]), "--data-dir", str(top.base / "sinks")],
              port=PORTS["sink_http"], ready_text="alert sinks listening")
    return f"http://127.0.0.1:{PORTS['simulator']}"


def release(top: Topology, sim: str) -> str:
    """The release step, the following index, and an API token for the rehearsal's staff user."""
    top.manage("socap_release")
    say("release done (socap_release): migrate, Mongo indexes, Beat schedules, collectstatic")
    index = top.base / "following_index.jsonl"
    index.write_text(requests.get(f"{sim}/_sim/following_index", timeout=30).text)
    top.manage("socap_import_following_index", str(index))
    out = top.manage("shell", "-c", (
        "from django.contrib.auth import get_user_model; from rest_framework.authtoken.models import Token; "
        "user, _ = get_user_model().objects.get_or_create(username='rehearsal', "
        "defaults={'is_staff': True, 'is_superuser': True}); "
        "print('TOKEN', Token.objects.get_or_create(user=user)[0].key)"))
    return re.search(r"TOKEN (\w+)", out).group(1)


def start_app(top: Topology) -> None:
    for name in ("web1", "web2"):
        top.start(name, [top.python, "-m", "gunicorn", "socap_project.wsgi", "--bind",
                         f"127.0.0.1:{PORTS[name]}", "--workers", "1", "--threads", "4", "--graceful-timeout", "5"],
                  port=PORTS[name])
    for name in ("worker1", "worker2"):
        top.start(name, [top.python, "-m", "celery", "-A", "socap_project", "worker", "-Q", "control,celery",
                         "--concurrency", "2", "--loglevel", "INFO", "-n", f"{name}@rehearsal"], ready_text="ready.")
    for name in ("beat1", "beat2"):
        top.start(name, [top.python, "-m", "celery", "-A", "socap_project", "beat", "--loglevel", "INFO",
                         "--pidfile", ""], ready_text="beat: Starting")


class Clock(threading.Thread):
    """The accelerated simulated clock: TICK_SIMULATED_MINUTES every TICK_SECONDS, until frozen."""

    def __init__(self, sim: str):
        super().__init__(daemon=True)
        self.sim, self.frozen = sim, threading.Event()

    def run(self) -> None:
        while not self.frozen.wait(TICK_SECONDS):
            requests.post(f"{self.sim}/_sim/clock", json={"advance_seconds": TICK_SIMULATED_MINUTES * 60}, timeout=10)


class FanOutWatch(threading.Thread):
    """Records every poll interval claimed by a fan-out (the claim key lives one interval)."""

    def __init__(self, redis_client):
        super().__init__(daemon=True)
        self.redis, self.slots, self.stop = redis_client, set(), threading.Event()

    def run(self) -> None:
        while not self.stop.wait(1):
            self.slots.update(int(key.rsplit(b":", 1)[1]) for key in self.redis.scan_iter("socap:fanout:*"))


def create_campaign(token: str, sim: str, sink_webhook: str) -> dict:
    scenario = requests.get(f"{sim}/_sim/scenario", timeout=10).json()
    lists = {"main_twt": "maintweets", "influencer_twt": "influencer_twts", "investor_twt": "investor_twts"}
    body = {key: [] for key in lists.values()}
    for tweet in scenario["tweets"]:
        if not tweet["protected"]:
            body[lists[tweet["category"]]].append({"url": tweet["url"]})
    now = dt.datetime.now(dt.UTC)
    body |= {
        "launch_name": LAUNCH_NAME,
        "client_info": {"name": "Rehearsal client", "email": "client@example.com"},
        "monitor_window": {"start_date": (now - dt.timedelta(hours=1)).isoformat(),
                           "end_date": (now + dt.timedelta(seconds=CAMPAIGN_SECONDS)).isoformat()},
        "alert_preferences": {"importance_threshold": 5, "channels": ["email"], "frequency_window_minutes": 1,
                              "alert_spacing_minutes": 1},
    }
    response = requests.post(f"http://127.0.0.1:{PORTS['web1']}/socap/campaigns", json=body,
                             headers={"Authorization": f"Token {token}", **PROXIED}, timeout=60)
    if response.status_code != 201:
        raise RuntimeError(f"campaign creation answered {response.status_code}: {response.text[:2000]}")
    return response.json()


def comparable(body):
    """An API answer without what is computed from the clock at request time (the spend projection's
    rate divides by the time elapsed): what remains must be the same whichever web process answers."""
    if isinstance(body, dict) and isinstance(body.get("spend"), dict):
        projection = {k: v for k, v in (body["spend"].get("projection") or {}).items() if k != "credits_per_hour"}
        body = {**body, "spend": {**body["spend"], "projection": projection}}
    return body


def api_get(port: int, path: str, token: str):
    response = requests.get(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Token {token}", **PROXIED},
                            timeout=30)
    return response.status_code, (response.json() if response.headers.get("content-type", "").startswith(
        "application/json") else response.text)


FAN_OUT_DONE = re.compile(r"^(\S+ \S+) INFO \S+ Task socap\.ingestion\.fan_out\[[^\]]+\] succeeded in [^:]+: "
                          r"\{[^}]*'skipped': False", re.MULTILINE)


def fan_outs_from_logs(top: Topology) -> list[int]:
    """The poll interval of every fan-out that went ahead (not skipped as its interval's second),
    from both workers' logs (the interval is that of its log line: a fan-out takes milliseconds)."""
    slots = []
    for name in ("worker1", "worker2"):
        for stamp in FAN_OUT_DONE.findall(top.processes[name].log_path.read_text(errors="replace")):
            moment = dt.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").replace(tzinfo=dt.UTC)
            slots.append(int(moment.timestamp()) // INTERVAL_SECONDS)
    return slots


def check(top: Topology, sim: str, token: str, campaign: dict, slots: set[int]) -> list[tuple[str, str, str, bool]]:
    """(check, expected, actual, ok) rows."""
    import django

    os.environ.update(top.env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "socap_project.settings"
    django.setup()
    from campaigns.models import Campaign, ReportEmail
    from socap_project import mongo

    rows = []
    pk, mongo_id = campaign["id"], str(campaign["id"])
    tracked = {t["tweet_id"] for t in Campaign.objects.get(pk=pk).tweets.values("tweet_id")}
    truth = requests.get(f"{sim}/_sim/ground_truth", timeout=60).json()
    events = [e for e in truth["engagements"] if e["tweet_id"] in tracked]
    stored = Counter((d["tweet_id"], d["user_id"], d["action_type"])
                     for d in mongo.collection(mongo.ENGAGEMENTS).find({"campaign_id": mongo_id}))
    twice = sum(1 for count in stored.values() if count > 1)
    exact = {(e["tweet_id"], e["user_id"], e["action_type"]) for e in events if e["action_type"] != "retweet"}
    got_exact = {k for k in stored if k[2] != "retweet"}
    retweets = [e for e in events if e["action_type"] == "retweet"]
    visible_rt = {(e["tweet_id"], e["user_id"], "retweet") for e in retweets if e["visible"]}
    all_rt = {(e["tweet_id"], e["user_id"], "retweet") for e in retweets}
    got_rt = {k for k in stored if k[2] == "retweet"}
    rows.append(("replies + quotes stored = ground truth", f"{len(exact)}", f"{len(got_exact)} "
                 f"(missing {len(exact - got_exact)}, extra {len(got_exact - exact)})", got_exact == exact))
    rows.append(("retweets: every visible one, none invented", f"{len(visible_rt)}..{len(all_rt)}",
                 f"{len(got_rt)} (missing {len(visible_rt - got_rt)}, invented {len(got_rt - all_rt)})",
                 visible_rt <= got_rt <= all_rt))
    rows.append(("engagements stored twice", "0", str(twice), twice == 0))

    ran = fan_outs_from_logs(top)
    twice = sum(1 for count in Counter(ran).values() if count > 1)
    missed = sorted(set(range(min(slots), max(slots) + 1)) - slots) if slots else []
    rows.append(("fan-outs: one per poll interval", f"{len(slots)} (intervals claimed)",
                 f"{len(ran)} ran, {twice} interval(s) twice", len(ran) == len(slots) and twice == 0))
    rows.append(("poll intervals missed while active", "0", str(len(missed)), not missed and len(slots) > 0))

    mail = requests.get(f"http://127.0.0.1:{PORTS['sink_http']}/messages.json", timeout=10).json()["email"]
    report_mail = [m for m in mail if "final launch report is ready" in m["subject"]]
    alert_mail = [m for m in mail if m not in report_mail]
    items = list(mongo.collection(mongo.ALERT_QUEUE).find({"campaign_id": mongo_id}))
    sent = [i for i in items if i["status"] == "sent"]
    left = [i for i in items if i["status"] in ("pending", "sending")]
    repeated = sum(c - 1 for c in Counter((m["subject"], m["text"]) for m in alert_mail).values() if c > 1)
    rows.append(("alert emails = alerts marked sent", f"{len(sent)}", f"{len(alert_mail)}",
                 len(alert_mail) == len(sent) and len(sent) > 0))
    rows.append(("alert emails repeated / alerts left unsent", "0 / 0", f"{repeated} / {len(left)}",
                 repeated == 0 and not left))

    reports = mongo.collection(mongo.FINAL_REPORTS).count_documents({"campaign_id": mongo_id})
    rows.append(("frozen reports", "1", str(reports), reports == 1))
    outbox = ReportEmail.objects.filter(campaign_id=pk).values_list("state", flat=True)
    rows.append(("report emails (SMTP sink) / outbox", "1 / sent", f"{len(report_mail)} / {', '.join(outbox) or '-'}",
                 len(report_mail) == 1 and list(outbox) == ["sent"]))
    row = Campaign.objects.get(pk=pk)
    rows.append(("campaign completed, archive verified", "completed, yes",
                 f"{row.status}, {'yes' if row.archive_verified_at else 'no'}",
                 row.status == "completed" and row.archive_verified_at is not None))

    same, differing = [], []
    for path in (f"/socap/campaigns/{pk}", f"/socap/campaigns/{pk}/dashboard", f"/socap/campaigns/{pk}/report"):
        answers = [(status, comparable(body)) for status, body in
                   (api_get(PORTS[name], path, token) for name in ("web1", "web2"))]
        same.append(answers[0] == answers[1] and answers[0][0] == 200)
        if not same[-1]:
            (top.base / f"differs-{len(same)}.json").write_text(json.dumps(answers, indent=1, default=str))
            one, two = (a[1] if isinstance(a[1], dict) else {} for a in answers)
            differing.append(f"{path.rsplit('/', 1)[-1]}: " + ",".join(
                sorted(k for k in set(one) | set(two) if one.get(k) != two.get(k))[:4]))
    rows.append(("web1 and web2 answer the same (campaign, dashboard, report)", "3 of 3",
                 f"{sum(same)} of 3" + (f" ({'; '.join(differing)})" if differing else ""), all(same)))
    return rows


def print_table(rows, seconds: float) -> None:
    widths = [max(len(str(r[i])) for r in [("check", "expected", "actual")] + [r[:3] for r in rows]) for i in range(3)]
    line = "+-" + "-+-".join("-" * w for w in widths) + "-+------+"
    print(line)
    print("| " + " | ".join(h.ljust(w) for h, w in zip(("check", "expected", "actual"), widths, strict=True))
          + " | ok   |")
    print(line)
    for name, expected, actual, ok in rows:
        print("| " + " | ".join(str(v).ljust(w) for v, w in zip((name, expected, actual), widths, strict=True))
              + f" | {'yes ' if ok else 'NO  '} |")
    print(line)
    print(f"rehearsal {'PASSED' if all(r[3] for r in rows) else 'FAILED'} in {seconds / 60:.1f} min")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True)
    args = parser.parse_args()
    began = time.monotonic()
    busy = [name for name, port in PORTS.items() if port_open(port)]
    if busy:
        say(f"ports in use: {', '.join(f'{n}={PORTS[n]}' for n in busy)}; stop what holds them first")
        return 2
    top = Topology(args.base, production_env(args.base))
    clock = watch = None
    try:
        start_stores(top)
        sim = start_simulator(top)
        token = release(top, sim)
        start_app(top)
        import redis

        watch = FanOutWatch(redis.Redis.from_url(top.env["REDIS_URL"]))
        watch.start()
        campaign = create_campaign(token, sim, f"http://127.0.0.1:{PORTS['sink_http']}/hooks/T1/B1")
        created = time.monotonic()
        say(f"campaign {campaign['id']} created through web1; window ends in {CAMPAIGN_SECONDS} s")
        requests.post(f"{sim}/_sim/faults", json={"rules": FAULTS, "replace": True, "seed": 26}, timeout=10)
        clock = Clock(sim)
        clock.start()
        time.sleep(max(0.0, KILL_AFTER_SECONDS - (time.monotonic() - created)))
        for name in ("worker2", "beat2"):
            top.processes[name].signal_group(signal.SIGKILL)
            say(f"kill -9 {name}")
        time.sleep(max(0.0, CAMPAIGN_SECONDS - FREEZE_BEFORE_END_SECONDS - (time.monotonic() - created)))
        clock.frozen.set()
        requests.post(f"{sim}/_sim/faults", json={"rules": [], "replace": True}, timeout=10)
        say("simulated clock frozen, faults off: the final poll sees the finished world")
        deadline = time.monotonic() + CAMPAIGN_SECONDS + COMPLETION_TIMEOUT_SECONDS - (time.monotonic() - created)
        state = None
        while time.monotonic() < deadline:
            status, body = api_get(PORTS["web2"], f"/socap/campaigns/{campaign['id']}", token)
            state = body.get("status") if status == 200 and isinstance(body, dict) else state
            mail = requests.get(f"http://127.0.0.1:{PORTS['sink_http']}/messages.json", timeout=10).json()["email"]
            if state == "completed" and any("final launch report is ready" in m["subject"] for m in mail):
                break
            time.sleep(3)
        say(f"campaign {campaign['id']} is {state}; waiting for queued alerts to drain")
        time.sleep(10)
        # With one worker and one Beat left: the deep check must still say healthy.
        health = {name: api_get(PORTS[name], "/socap/health", token)[0] for name in ("web1", "web2")}
        top.processes["beat1"].stop()  # Beat first, so that no interval is claimed unseen
        time.sleep(3)
        watch.stop.set()
        watch.join(5)
        rows = check(top, sim, token, campaign, watch.slots)
        rows += [(f"{name} /socap/health with one worker and one Beat left", "200", str(status), status == 200)
                 for name, status in health.items()]
    except Exception as exc:  # noqa: BLE001 - a broken rehearsal is a failed one, with its reason
        say(f"rehearsal broke: {type(exc).__name__}: {exc}")
        rows = [("rehearsal ran to the end", "yes", f"no: {type(exc).__name__}", False)]
    finally:
        if clock is not None:
            clock.frozen.set()
        top.stop_all()
    print_table(rows, time.monotonic() - began)
    say(f"logs: {top.logs}")
    return 0 if all(r[3] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
