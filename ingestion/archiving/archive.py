"""Archive of a campaign's raw events: compressed JSON lines plus a manifest.

Layout: campaign-<id>/{engagements,metric_deltas,metric_snapshots}.jsonl.gz
and manifest.json (per file: document count, SHA-256 of the uncompressed lines,
size), either under SOCAP_ARCHIVE_DIR or, when SOCAP_ARCHIVE_S3_BUCKET is set,
under the S3 prefix. The manifest is what makes an archive exist: a local folder
is written under a temporary name and renamed when complete, an S3 archive
uploads the manifest last, so a crash never leaves a half archive that looks
whole; archiving twice keeps the first. Documents are in Canonical Extended
JSON: verify and restore get back exactly the stored types.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.utils import timezone

from ingestion.archiving.s3 import S3Bucket
from socap_project import mongo

ARCHIVED = (mongo.ENGAGEMENTS, mongo.METRIC_DELTAS, mongo.METRIC_SNAPSHOTS)
MANIFEST = "manifest.json"


def folder_name(campaign_id: str) -> str:
    return f"campaign-{campaign_id}"


def archive_dir(campaign_id: str) -> Path:
    return Path(settings.SOCAP_ARCHIVE_DIR) / folder_name(campaign_id)


class LocalArchive:
    """An archive folder on this machine's disk."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.label = str(self.path)

    def exists(self) -> bool:
        return (self.path / MANIFEST).exists()

    def manifest(self) -> dict:
        return json.loads((self.path / MANIFEST).read_text())

    @contextmanager
    def open(self, name: str) -> Iterator[BinaryIO]:
        with open(self.path / name, "rb") as handle:
            yield handle

    def staging(self) -> Path:
        # Beside the final folder, so publishing is one rename on the same file system.
        partial = self.path.with_name(self.path.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        return partial

    def publish(self, staged: Path) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        staged.rename(self.path)


class S3Archive:
    """An archive under <prefix>/campaign-<id>/ in an S3-compatible bucket."""

    def __init__(self, campaign_id: str, bucket=None):
        self.bucket = bucket or S3Bucket.from_settings()
        self.folder = folder_name(campaign_id)
        self.label = self.bucket.url(self.folder + "/")

    def _name(self, name: str) -> str:
        return f"{self.folder}/{name}"

    def exists(self) -> bool:
        return self.bucket.exists(self._name(MANIFEST))

    def manifest(self) -> dict:
        return json.loads(self.bucket.get_bytes(self._name(MANIFEST)))

    @contextmanager
    def open(self, name: str) -> Iterator[BinaryIO]:
        # Spooled to disk: an archive can be larger than memory, and gzip reads it sequentially.
        with tempfile.TemporaryFile() as handle:
            self.bucket.download(self._name(name), handle)
            handle.seek(0)
            yield handle

    def staging(self) -> Path:
        return Path(tempfile.mkdtemp(prefix=f"socap-{self.folder}-"))

    def publish(self, staged: Path) -> None:
        try:
            for path in sorted(staged.iterdir()):
                if path.name != MANIFEST:
                    self.bucket.upload(path, self._name(path.name))
            self.bucket.upload(staged / MANIFEST, self._name(MANIFEST))  # last: the archive now exists
        finally:
            shutil.rmtree(staged, ignore_errors=True)


def uses_s3() -> bool:
    return bool(settings.SOCAP_ARCHIVE_S3_BUCKET)


def archive_for(campaign_id: str) -> LocalArchive | S3Archive:
    """The configured target of a campaign's archive (S3 when a bucket is configured)."""
    return S3Archive(campaign_id) if uses_s3() else LocalArchive(archive_dir(campaign_id))


def resolve_target(target: str) -> LocalArchive | S3Archive | None:
    """A campaign id (in the configured target) or a local archive folder -> the archive, when it exists."""
    archive = archive_for(target) if target.isdigit() else LocalArchive(Path(target))
    return archive if archive.exists() else None


# Each collection is read along an index that starts with campaign_id, never sorted whole:
# engagements in closed windows of their sequence number, the others in time order.
ORDER = {mongo.METRIC_DELTAS: "recorded_at", mongo.METRIC_SNAPSHOTS: "snapshot_time"}


def _last_seq(campaign_id: str) -> int:
    counter = mongo.collection(mongo.COUNTERS).find_one({"_id": campaign_id}, {"seq": 1}) or {}
    return int(counter.get("seq") or 0)


def engagement_windows(campaign_id: str, size: int | None = None) -> Iterator[dict]:
    """Every stored engagement of the campaign, in closed `seq` windows of `size` (index-backed)."""
    size = size or settings.SOCAP_ARCHIVE_WINDOW
    engagements = mongo.collection(mongo.ENGAGEMENTS)
    end = (_last_seq(campaign_id) // size + 1) * size
    for low in range(0, end, size):
        # Closed window [low, low + size - 1], written as `$lt` (docs/scale.md).
        yield from engagements.find({"campaign_id": campaign_id, "seq": {"$gte": low, "$lt": low + size}}).sort(
            "seq", mongo.ASCENDING)
    # Past the counter (none when the writers are done) and never numbered (older data).
    yield from engagements.find({"campaign_id": campaign_id, "seq": {"$gte": end}}).sort("seq", mongo.ASCENDING)
    yield from engagements.find({"campaign_id": campaign_id, "seq": None})


def campaign_documents(name: str, campaign_id: str) -> Iterator[dict]:
    if name == mongo.ENGAGEMENTS:
        return engagement_windows(campaign_id)
    return mongo.collection(name).find({"campaign_id": campaign_id}).sort(ORDER[name], mongo.ASCENDING)


def _write_collection(path: Path, name: str, campaign_id: str) -> dict:
    digest, count = hashlib.sha256(), 0
    with gzip.open(path / f"{name}.jsonl.gz", "wt", encoding="utf-8") as handle:
        for document in campaign_documents(name, campaign_id):
            line = mongo.to_json_line(document) + "\n"
            handle.write(line)
            digest.update(line.encode())
            count += 1
    return {"file": f"{name}.jsonl.gz", "count": count, "sha256": digest.hexdigest(),
            "bytes": (path / f"{name}.jsonl.gz").stat().st_size}


def write_archive(campaign_id: str) -> dict:
    """Archive the campaign once; returns the manifest (the existing one when already archived).

    Raises ingestion.archiving.s3.S3Error when the S3 target fails; nothing is half-published.
    """
    target = archive_for(campaign_id)
    if target.exists():
        return target.manifest()
    staged = target.staging()
    manifest = {
        "campaign_id": campaign_id,
        "created_at": timezone.now().isoformat(),
        "format": "Canonical Extended JSON lines, gzip",
        "collections": {name: _write_collection(staged, name, campaign_id) for name in ARCHIVED},
    }
    (staged / MANIFEST).write_text(json.dumps(manifest, indent=2))
    target.publish(staged)
    return manifest


def read_documents(archive: LocalArchive | S3Archive, name: str):
    with archive.open(f"{name}.jsonl.gz") as raw, gzip.open(raw, "rt", encoding="utf-8") as handle:
        for line in handle:
            yield line, mongo.from_json_line(line)


@dataclass
class Verification:
    manifest: dict
    problems: list[str] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)
    expired: dict[str, int] = field(default_factory=dict)  # archived, since removed by retention (TTL)

    @property
    def ok(self) -> bool:
        return not self.problems


def _expiring() -> set[str]:
    return {expiry.collection for expiry in mongo.expiries() if expiry.days > 0}


def _compare(name: str, documents: list[dict], expiring: bool, problems: list[str]) -> int:
    """Check a batch of archived documents against the database (one query); how many expired."""
    current = {doc["_id"]: doc for doc in
               mongo.collection(name).find({"_id": {"$in": [d["_id"] for d in documents]}})}
    expired = 0
    for document in documents:
        found = current.get(document["_id"])
        if found is None and expiring:
            expired += 1
        elif found is None:
            problems.append(f"{name}: {document['_id']} is in the archive but not in the database")
        elif found != document:
            problems.append(f"{name}: {document['_id']} differs from the database")
    return expired


def verify_archive(archive: LocalArchive | S3Archive, batch: int = 500) -> Verification:
    """Checksums and counts against the manifest, and every document against the database.

    A document of a collection under retention (metric_deltas) that is in the archive but no longer
    in the database was expired by its TTL index: counted, not a problem.
    """
    manifest = archive.manifest()
    result = Verification(manifest)
    expiring = _expiring()
    for name, entry in manifest["collections"].items():
        digest, count, expired, pending = hashlib.sha256(), 0, 0, []
        for line, document in read_documents(archive, name):
            digest.update(line.encode())
            count += 1
            pending.append(document)
            if len(pending) == batch:
                expired += _compare(name, pending, name in expiring, result.problems)
                pending = []
        if pending:
            expired += _compare(name, pending, name in expiring, result.problems)
        if count != entry["count"]:
            result.problems.append(f"{name}: {count} documents, manifest says {entry['count']}")
        if digest.hexdigest() != entry["sha256"]:
            result.problems.append(f"{name}: checksum mismatch (file changed after archiving)")
        # A maintenance command, not a request: one count of the campaign per collection.
        in_db = mongo.collection(name).count_documents({"campaign_id": manifest["campaign_id"]})
        if in_db != count - expired:
            result.problems.append(f"{name}: database holds {in_db} documents of the campaign, archive {count}"
                                   + (f" ({expired} since expired)" if expired else ""))
        result.checked[name] = count
        if expired:
            result.expired[name] = expired
    return result


def restore_archive(archive: LocalArchive | S3Archive, batch: int = 500) -> dict[str, int]:
    """Put every archived document back (by _id; existing documents are replaced)."""
    restored = {}
    for name in archive.manifest()["collections"]:
        ops, total = [], 0
        for _, document in read_documents(archive, name):
            ops.append(mongo.ReplaceOne({"_id": document["_id"]}, document, upsert=True))
            if len(ops) == batch:
                mongo.collection(name).bulk_write(ops, ordered=False)
                total, ops = total + len(ops), []
        if ops:
            mongo.collection(name).bulk_write(ops, ordered=False)
            total += len(ops)
        restored[name] = total
    return restored
