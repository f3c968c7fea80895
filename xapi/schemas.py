"""Provider payloads, parsed defensively: fields vary by endpoint, unknown ones are ignored."""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from socap_project.vocabulary import METRICS

_CREATED_AT = "%a %b %d %H:%M:%S %z %Y"  # "Sat Mar 15 05:31:28 +0000 2025"


def parse_created_at(value) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    text = str(value)
    for parse in (lambda v: dt.datetime.strptime(v, _CREATED_AT), dt.datetime.fromisoformat, parsedate_to_datetime):
        try:
            parsed = parse(text.replace("Z", "+00:00") if parse is dt.datetime.fromisoformat else text)
        except (ValueError, TypeError):
            continue
        return parsed.astimezone(dt.UTC) if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    raise ValueError(f"unrecognised createdAt {text!r}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class XUser(_Model):
    id: str
    username: str = Field("", alias="userName")
    name: str = ""
    description: str = ""
    location: str = ""
    followers: int = 0
    verified: bool = Field(False, alias="isBlueVerified")

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value):
        return str(value)

    @field_validator("username", "name", "description", "location", mode="before")
    @classmethod
    def _text(cls, value):
        return value or ""

    @field_validator("followers", mode="before")
    @classmethod
    def _count(cls, value):
        return int(value or 0)


class XTweet(_Model):
    id: str
    url: str = ""
    text: str = ""
    created_at: dt.datetime | None = Field(None, alias="createdAt")
    # The counters under SOCAP's metric names, each read from the provider's field: the one place
    # where the provider's metric names are translated; what SOCAP stores and reads uses its own.
    likes: int = Field(0, alias="likeCount")
    retweets: int = Field(0, alias="retweetCount")
    replies: int = Field(0, alias="replyCount")
    quotes: int = Field(0, alias="quoteCount")
    views: int = Field(0, alias="viewCount")
    bookmarks: int = Field(0, alias="bookmarkCount")
    author: XUser | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value):
        return str(value)

    @field_validator("created_at", mode="before")
    @classmethod
    def _created(cls, value):
        return parse_created_at(value)

    @field_validator(*METRICS, mode="before")
    @classmethod
    def _count(cls, value):
        return int(value or 0)

    @field_validator("text", mode="before")
    @classmethod
    def _text(cls, value):
        return value or ""

    def metric_values(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in METRICS}


class _Page(_Model):
    has_next_page: bool = False
    next_cursor: str | None = None

    @field_validator("next_cursor", mode="before")
    @classmethod
    def _cursor(cls, value):
        return value or None


class UsersPage(_Page):
    users: list[XUser] = Field(default_factory=list)


class TweetsPage(_Page):
    tweets: list[XTweet] = Field(default_factory=list)


class TweetsById(_Model):
    tweets: list[XTweet] = Field(default_factory=list)
