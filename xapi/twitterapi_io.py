"""twitterapi.io provider: every HTTP call to the X data API goes through this module."""

from __future__ import annotations

import json
import logging

import requests
from django.conf import settings
from pydantic import ValidationError
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from xapi.account import credits, key_state
from xapi.account.credits import UsageContext
from xapi.account.fingerprint import fingerprint
from xapi.errors import (
    BadRequest,
    CreditsExhausted,
    CursorExpired,
    MalformedResponse,
    NotFound,
    ProviderError,
    RateLimited,
    Transient,
    Unauthorized,
    XApiError,
)
from xapi.ratelimit import KeyRateLimiter
from xapi.schemas import TweetsById, TweetsPage, UsersPage, XTweet

log = logging.getLogger(__name__)
IDS_PER_CALL = 100


class _TransientRetry(Retry):
    # urllib3 would also sleep out a 429's Retry-After; a 429 goes back to the job
    # instead, which blocks itself until then. Only a 503's Retry-After is waited out here.
    RETRY_AFTER_STATUS_CODES = frozenset({503})


def _retry_after(response: requests.Response) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None


def _message(body: dict | None, response: requests.Response) -> str:
    if isinstance(body, dict):
        for key in ("msg", "message", "error", "detail"):
            if body.get(key):
                return str(body[key])
    return response.text[:200]


def _error_for(response: requests.Response, body: dict | None) -> XApiError:
    status, message = response.status_code, _message(body, response)
    kwargs = {"status": status, "body": response.text[:500]}
    if status == 429:
        return RateLimited(f"rate limited: {message}", retry_after=_retry_after(response), **kwargs)
    if status == 402 or "credits" in message.lower():
        return CreditsExhausted(f"credits exhausted: {message}", **kwargs)
    if status == 400 and "cursor" in message.lower():
        return CursorExpired(f"cursor rejected: {message}", **kwargs)
    if status in (401, 403):
        return Unauthorized(f"not authorised: {message}", **kwargs)
    if status == 404:
        return NotFound(f"not found: {message}", **kwargs)
    if status >= 500:
        return Transient(f"provider error {status}: {message}", **kwargs)
    if 400 <= status < 500:
        return BadRequest(f"bad request {status}: {message}", **kwargs)
    return ProviderError(f"provider reported a failure: {message}", **kwargs)


class TwitterApiIoClient:
    def __init__(self, base_url: str | None = None, api_key: str | None = None, *, rps: float | None = None,
                 timeout: float | None = None, max_retries: int | None = None):
        self.base_url = (base_url or settings.X_API_BASE_URL).rstrip("/")
        self.api_key = api_key if api_key is not None else settings.X_API_KEY
        self.timeout = timeout or settings.X_API_TIMEOUT_SECONDS
        self.limiter = KeyRateLimiter(self.api_key, rps or settings.X_API_RATE_LIMIT_RPS)
        retries = settings.X_API_MAX_RETRIES if max_retries is None else max_retries
        self.session = requests.Session()
        self.session.headers.update({"X-API-Key": self.api_key, "Accept": "application/json"})
        # Transient failures (5xx, connection errors) retry with exponential backoff and
        # jitter; 429 and 402 are surfaced so the job can block itself instead.
        retry = _TransientRetry(total=retries, connect=retries, read=retries, status=retries, backoff_factor=0.5,
                      backoff_jitter=0.25, backoff_max=10, status_forcelist=(500, 502, 503, 504),
                      allowed_methods=frozenset({"GET"}), respect_retry_after_header=True, raise_on_status=False)
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def _get(self, path: str, params: dict) -> dict:
        record = key_state.recorded()
        if key_state.rejection_for(self.api_key, record):
            # No request and no credits: the same key would be refused again.
            raise Unauthorized(f"not sent: {key_state.describe(record)}", status=record.get("status"))
        self.limiter.acquire()
        try:
            response = self.session.get(f"{self.base_url}{path}", params=params, timeout=self.timeout)
        except requests.exceptions.RetryError as exc:
            raise Transient(f"gave up after retries: {exc}") from exc
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise Transient(f"{type(exc).__name__}: {exc}") from exc
        try:
            body = response.json()
        except (json.JSONDecodeError, ValueError):
            body = None
        if response.status_code != 200:
            error = _error_for(response, body)
            if isinstance(error, Unauthorized):
                key_state.record_rejection(self.api_key, response.status_code, str(error))
                log.error("X data API rejected the key (fingerprint %s): polling stopped",
                          fingerprint(self.api_key))
            raise error
        if record is not None:
            key_state.clear()  # a rejection of an earlier key: this one works
        if not isinstance(body, dict):
            raise MalformedResponse(f"{path}: body is not a JSON object", status=200, body=response.text[:500])
        if body.get("status") == "error":
            raise _error_for(response, body)
        return body

    def _parse(self, model, body: dict, path: str):
        try:
            return model.model_validate(body)
        except ValidationError as exc:
            raise MalformedResponse(f"{path}: unexpected shape: {exc.errors()[:2]}", body=str(body)[:500]) from exc

    def get_tweets(self, tweet_ids: list[str], usage: UsageContext | None = None) -> dict[str, XTweet]:
        found: dict[str, XTweet] = {}
        ids = list(dict.fromkeys(str(i) for i in tweet_ids))
        for start in range(0, len(ids), IDS_PER_CALL):
            chunk = ids[start : start + IDS_PER_CALL]
            path = "/twitter/tweets"
            body = self._get(path, {"tweet_ids": ",".join(chunk)})
            page = self._parse(TweetsById, body, path)
            credits.record(path, usage, tweets=len(page.tweets))
            found.update({t.id: t for t in page.tweets if t.id in chunk})
        return found

    def get_retweeters_page(self, tweet_id: str, cursor: str | None = None,
                            usage: UsageContext | None = None) -> UsersPage:
        path = "/twitter/tweet/retweeters"
        body = self._get(path, {"tweetId": tweet_id, "cursor": cursor or ""})
        page = self._parse(UsersPage, body, path)
        credits.record(path, usage, profiles=len(page.users))
        return page

    def _tweets_page(self, path: str, tweet_id: str, cursor, since, until, usage, extra=None) -> TweetsPage:
        params = {"tweetId": tweet_id, "cursor": cursor or "", **(extra or {})}
        if since is not None:
            params["sinceTime"] = int(since.timestamp())
        if until is not None:
            params["untilTime"] = int(until.timestamp())
        page = self._parse(TweetsPage, self._get(path, params), path)
        credits.record(path, usage, tweets=len(page.tweets))
        return page

    def get_replies_page(self, tweet_id: str, cursor: str | None = None, since=None, until=None,
                         usage: UsageContext | None = None) -> TweetsPage:
        return self._tweets_page("/twitter/tweet/replies", tweet_id, cursor, since, until, usage)

    def get_quotes_page(self, tweet_id: str, cursor: str | None = None, since=None, until=None,
                        usage: UsageContext | None = None) -> TweetsPage:
        return self._tweets_page("/twitter/tweet/quotes", tweet_id, cursor, since, until, usage,
                                 {"includeReplies": "true"})
