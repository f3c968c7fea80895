"""TrackedTweet.metrics keys: the provider's field names (likeCount, ...) become SOCAP's (likes, ...).

The names are written out here rather than imported: a migration replays the
history as it was, whatever the vocabulary says later.
"""

from django.db import migrations

SOCAP_OF_PROVIDER = {
    "likeCount": "likes",
    "retweetCount": "retweets",
    "quoteCount": "quotes",
    "replyCount": "replies",
    "viewCount": "views",
    "bookmarkCount": "bookmarks",
}
PROVIDER_OF_SOCAP = {socap: provider for provider, socap in SOCAP_OF_PROVIDER.items()}
BATCH = 500


def _rename_keys(apps, names: dict[str, str]) -> None:
    TrackedTweet = apps.get_model("campaigns", "TrackedTweet")
    changed = []
    for tweet in TrackedTweet.objects.only("id", "metrics").iterator(chunk_size=BATCH):
        metrics = tweet.metrics or {}
        if not any(key in names for key in metrics):
            continue
        # Keys keep their order; last_updated and anything unknown pass through.
        tweet.metrics = {names.get(key, key): value for key, value in metrics.items()}
        changed.append(tweet)
        if len(changed) == BATCH:
            TrackedTweet.objects.bulk_update(changed, ["metrics"])
            changed = []
    if changed:
        TrackedTweet.objects.bulk_update(changed, ["metrics"])


def to_socap_names(apps, schema_editor):
    _rename_keys(apps, SOCAP_OF_PROVIDER)


def to_provider_names(apps, schema_editor):
    _rename_keys(apps, PROVIDER_OF_SOCAP)


class Migration(migrations.Migration):

    dependencies = [
        ("campaigns", "0005_negative_sentiment_threshold"),
    ]

    operations = [
        migrations.RunPython(to_socap_names, to_provider_names),
    ]
