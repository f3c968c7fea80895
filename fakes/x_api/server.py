"""The simulator's HTTP server: the provider's paths and shapes, plus /_sim/ admin endpoints."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from fakes.x_api.state import SimState
from fakes.x_api.world import World, created_at_text

log = logging.getLogger("socap.simulator")
PROVIDER_PATHS = ("/twitter/tweets", "/twitter/tweet/retweeters", "/twitter/tweet/replies", "/twitter/tweet/quotes")
LIST_KIND = {"/twitter/tweet/retweeters": "retweet", "/twitter/tweet/replies": "reply",
             "/twitter/tweet/quotes": "quote"}


def parse_time(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class Simulator:
    def __init__(self, world: World, state: SimState, page_sizes: dict[str, int]):
        self.world, self.state, self.page_sizes = world, state, page_sizes

    def tweet_json(self, tweet_id: str, at: dt.datetime) -> dict:
        tweet = self.world.tweets[tweet_id]
        return {"type": "tweet", "id": tweet.id, "url": f"https://x.com/{tweet.author.username}/status/{tweet.id}",
                "text": tweet.text, "createdAt": created_at_text(tweet.posted_at), "lang": "en",
                **self.world.metrics(tweet_id, at), "author": tweet.author.as_user()}

    def event_tweet_json(self, event) -> dict:
        account = self.world.accounts[event.user_id]
        return {"type": "tweet", "id": event.event_tweet_id,
                "url": f"https://x.com/{account.username}/status/{event.event_tweet_id}", "text": event.text,
                "createdAt": created_at_text(event.at), "likeCount": 0, "retweetCount": 0, "replyCount": 0,
                "quoteCount": 0, "viewCount": 0, "bookmarkCount": 0, "inReplyToId": event.tweet_id,
                "author": account.as_user()}


class Handler(BaseHTTPRequestHandler):
    server_version = "SOCAPSimulator/1.0"
    sim: Simulator  # set on the class by make_server

    def log_message(self, fmt, *args):
        log.debug("%s %s", self.address_string(), fmt % args)

    # -- plumbing ---------------------------------------------------------------
    def _send(self, status: int, body, headers: dict | None = None) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for name, value in (headers or {}).items():
            self.send_header(name, str(value))
        self.end_headers()
        self.wfile.write(raw)

    def _error(self, status: int, msg: str, headers: dict | None = None) -> None:
        self._send(status, {"status": "error", "msg": msg}, headers)

    def _json_body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}") if length else {}

    def do_GET(self):  # noqa: N802 - http.server naming
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        if url.path.startswith("/_sim/"):
            return self._admin_get(url.path, query)
        if url.path not in PROVIDER_PATHS:
            return self._error(404, f"no route {url.path}")
        return self._provider(url.path, query)

    def do_POST(self):  # noqa: N802
        url = urlsplit(self.path)
        if not url.path.startswith("/_sim/"):
            return self._error(405, "method not allowed")
        try:
            return self._admin_post(url.path, self._json_body())
        except (ValueError, KeyError, TypeError) as exc:
            return self._send(400, {"error": str(exc)})

    # -- provider endpoints -------------------------------------------------------
    def _provider(self, path: str, query: dict) -> None:
        state, world = self.sim.state, self.sim.world
        key = self.headers.get("X-API-Key", "")
        state.stats[f"requests:{path}"] += 1
        state.stats["requests"] += 1
        if not key:
            return self._error(401, "Missing X-API-Key header")
        if not state.allow_request(key):
            state.stats["rate_limited"] += 1
            return self._error(429, "Too many requests", {"Retry-After": 1})
        asked = tuple(i for i in query.get("tweet_ids", "").split(",") if i) or (query.get("tweetId", ""),)
        fault = state.take_fault(path, key, asked)
        if fault is not None:
            handled = self._fault(fault, path, query.get("tweetId", ""))
            if handled:
                return None
        now = state.clock.now()
        if path == "/twitter/tweets":
            ids = [i for i in query.get("tweet_ids", "").split(",") if i]
            if not ids:
                return self._error(400, "tweet_ids is required")
            hidden = set()
            if fault is not None and fault.kind == "not_found":
                hidden = {fault.tweet_id} if fault.tweet_id else set(ids)
            # A tweet deleted or gone protected is simply absent from a batch, as the provider answers.
            found = [self.sim.tweet_json(i, now) for i in ids
                     if i in world.tweets and not world.tweets[i].protected and world.tweets[i].posted_at <= now
                     and i not in hidden]
            if not state.charge(key, tweets=len(found)):
                return self._error(402, "Credits is not enough.Please recharge")
            return self._send(200, {"tweets": found, "status": "success", "msg": "success"})
        return self._list(path, query, key, now, fault)

    def _list(self, path: str, query: dict, key: str, now: dt.datetime, fault) -> None:
        state, world = self.sim.state, self.sim.world
        tweet_id = query.get("tweetId", "")
        if not tweet_id:
            return self._error(400, "tweetId is required")
        if tweet_id not in world.tweets or world.tweets[tweet_id].protected:
            return self._error(404, f"tweet {tweet_id} not found")
        kind = LIST_KIND[path]
        offset = 0
        token = query.get("cursor") or ""
        if token:
            cursor = state.read_cursor(token, tweet_id, kind)
            if cursor is None:
                return self._error(400, "Invalid cursor: the cursor has expired or is unknown")
            offset = cursor.offset
        rows = world.visible(tweet_id, kind, now)
        if kind != "retweet":
            since, until = query.get("sinceTime"), query.get("untilTime")
            if since:
                rows = [e for e in rows if e.at.timestamp() >= int(since)]
            if until:
                rows = [e for e in rows if e.at.timestamp() <= int(until)]
        size = self.sim.page_sizes[kind]
        page = rows[offset : offset + size]
        has_next = offset + size < len(rows)
        next_cursor = state.issue_cursor(tweet_id, kind, offset + size) if has_next else ""
        if fault is not None and fault.kind == "lying_has_next" and not has_next:
            has_next, next_cursor = True, state.issue_cursor(tweet_id, kind, len(rows) + size)
        if fault is not None and fault.kind == "repeated_cursor" and token:
            next_cursor, has_next = token, True
        if kind == "retweet":
            if not state.charge(key, profiles=len(page)):
                return self._error(402, "Credits is not enough.Please recharge")
            body = {"users": [world.accounts[e.user_id].as_user() for e in page]}
        else:
            if not state.charge(key, tweets=len(page)):
                return self._error(402, "Credits is not enough.Please recharge")
            body = {"tweets": [self.sim.event_tweet_json(e) for e in page]}
        state.stats[f"items:{path}"] += len(page)
        return self._send(200, {**body, "has_next_page": has_next, "next_cursor": next_cursor,
                                "status": "success", "msg": "success"})

    def _fault(self, fault, path: str, tweet_id: str = "") -> bool:
        """Answer with the fault; False when it only alters a normal answer (handled later)."""
        if fault.kind == "rate_limit":
            self._error(429, "Too many requests", {"Retry-After": fault.retry_after})
        elif fault.kind == "credits":
            self._error(402, "Credits is not enough.Please recharge")
        elif fault.kind == "server_error":
            self._send(fault.status, b"upstream failure")
        elif fault.kind == "timeout":
            time.sleep(fault.delay_seconds)
            return False
        elif fault.kind == "malformed":
            self._send(200, b'{"tweets": [{"id": ')
        elif fault.kind == "error_in_200":
            self._send(200, {"status": "error", "msg": "Internal error, please retry later"})
        elif fault.kind == "expired_cursor":
            self._error(400, "Invalid cursor: the cursor has expired or is unknown")
        elif fault.kind == "unauthorized":
            self._error(401, "Unauthorized: invalid API key")
        elif fault.kind == "not_found" and path != "/twitter/tweets":
            self._error(404, f"tweet {tweet_id} not found")
        else:
            return False
        return True

    # -- admin endpoints ------------------------------------------------------------
    def _admin_get(self, path: str, query: dict) -> None:
        state, world = self.sim.state, self.sim.world
        if path == "/_sim/identity":  # scripts/stores.sh checks who holds the port before reusing it
            return self._send(200, {"service": "socap-x-simulator"})
        if path == "/_sim/clock":
            return self._send(200, {"now": state.clock.now().isoformat(), "mode": state.clock.mode,
                                    "speed": state.clock.speed, "launch": world.launch.isoformat()})
        if path == "/_sim/ground_truth":
            at = parse_time(query["at"]) if query.get("at") else state.clock.now()
            return self._send(200, world.ground_truth(at))
        if path == "/_sim/following_index":
            lines = "\n".join(json.dumps(line) for line in world.following_lines()) + "\n"
            return self._send(200, lines.encode(), {"Content-Type": "application/x-ndjson"})
        if path == "/_sim/scenario":
            return self._send(200, {"name": world.scenario["name"], "seed": world.seed,
                                    "launch": world.launch.isoformat(), "tweets": world.tweet_urls()})
        if path == "/_sim/faults":
            return self._send(200, {"faults": [f.as_dict() for f in state.faults]})
        if path == "/_sim/stats":
            return self._send(200, {"stats": dict(state.stats), "credits_spent": dict(state.spent)})
        if path == "/_sim/credits":
            key = query.get("key", "")
            return self._send(200, {"key": key, "balance": state.balance(key), "spent": state.spent[key]})
        return self._error(404, f"no route {path}")

    def _admin_post(self, path: str, body: dict) -> None:
        state = self.sim.state
        if path == "/_sim/clock":
            if "set" in body:
                state.clock.set(parse_time(body["set"]))
            if "advance_seconds" in body:
                state.clock.advance(float(body["advance_seconds"]))
            return self._send(200, {"now": state.clock.now().isoformat()})
        if path == "/_sim/faults":
            faults = state.add_faults(body.get("rules", []), replace=bool(body.get("replace")),
                                      seed=body.get("seed"))
            return self._send(200, {"faults": faults})
        if path == "/_sim/credits":
            state.set_balance(body["key"], int(body["balance"]))
            return self._send(200, {"key": body["key"], "balance": state.balance(body["key"])})
        if path == "/_sim/reset":
            state.reset()
            return self._send(200, {"reset": True})
        return self._error(404, f"no route {path}")


def make_server(simulator: Simulator, host: str, port: int) -> ThreadingHTTPServer:
    handler = type("SimHandler", (Handler,), {"sim": simulator})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
