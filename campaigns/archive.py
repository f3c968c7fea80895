"""Archive of a campaign's raw events: compressed JSON lines plus a manifest.

Layout: <SOCAP_ARCHIVE_DIR>/campaign-<id>/{engagements,metric_deltas,metric_snapshots}.jsonl.gz
and manifest.json (per file: document count, SHA-256 of the uncompressed lines,
size). The folder is written under a temporary name and renamed when complete,
so a crash never leaves a half archive that looks whole; archiving twice keeps
the first. Documents are in Canonical Extended JSON: verify and restore get
back exactly the stored types.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from socap_project import mongo

ARCHIVED = (mongo.ENGAGEMENTS, mongo.METRIC_DELTAS, mongo.METRIC_SNAPSHOTS)
MANIFEST = "manifest.json"


def archive_dir(campaign_id: str) -> Path:
    return Path(settings.SOCAP_ARCHIVE_DIR) / f"campaign-{campaign_id}"


def resolve_target(target: str) -> Path | None:
    """A campaign id or an archive folder -> the folder, when it holds an archive."""
    path = archive_dir(target) if target.isdigit() else Path(target)
    return path if (path / MANIFEST).exists() else None


def _write_collection(path: Path, name: str, campaign_id: str) -> dict:
    digest, count = hashlib.sha256(), 0
    with gzip.open(path / f"{name}.jsonl.gz", "wt", encoding="utf-8") as handle:
        for document in mongo.collection(name).find({"campaign_id": campaign_id}).sort("_id", mongo.ASCENDING):
            line = mongo.to_json_line(document) + "\n"
            handle.write(line)
            digest.update(line.encode())
            count += 1
    return {"file": f"{name}.jsonl.gz", "count": count, "sha256": digest.hexdigest(),
            "bytes": (path / f"{name}.jsonl.gz").stat().st_size}


def write_archive(campaign_id: str) -> dict:
    """Archive the campaign once; returns the manifest (the existing one when already archived)."""
    final = archive_dir(campaign_id)
    if (final / MANIFEST).exists():
        return json.loads((final / MANIFEST).read_text())
    partial = final.with_name(final.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    manifest = {
        "campaign_id": campaign_id,
        "created_at": timezone.now().isoformat(),
        "format": "Canonical Extended JSON lines, gzip",
        "collections": {name: _write_collection(partial, name, campaign_id) for name in ARCHIVED},
    }
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2))
    shutil.rmtree(final, ignore_errors=True)
    partial.rename(final)
    return manifest


def read_documents(path: Path, name: str):
    with gzip.open(path / f"{name}.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            yield line, mongo.from_json_line(line)


@dataclass
class Verification:
    manifest: dict
    problems: list[str] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_archive(path: Path) -> Verification:
    """Checksums and counts against the manifest, and every document against the database."""
    manifest = json.loads((path / MANIFEST).read_text())
    result = Verification(manifest)
    for name, entry in manifest["collections"].items():
        digest, count, ids = hashlib.sha256(), 0, []
        stored = mongo.collection(name)
        for line, document in read_documents(path, name):
            digest.update(line.encode())
            count += 1
            ids.append(document["_id"])
            current = stored.find_one({"_id": document["_id"]})
            if current is None:
                result.problems.append(f"{name}: {document['_id']} is in the archive but not in the database")
            elif current != document:
                result.problems.append(f"{name}: {document['_id']} differs from the database")
        if count != entry["count"]:
            result.problems.append(f"{name}: {count} documents, manifest says {entry['count']}")
        if digest.hexdigest() != entry["sha256"]:
            result.problems.append(f"{name}: checksum mismatch (file changed after archiving)")
        in_db = stored.count_documents({"campaign_id": manifest["campaign_id"]})
        if in_db != count:
            result.problems.append(f"{name}: database holds {in_db} documents of the campaign, archive {count}")
        result.checked[name] = count
    return result


def restore_archive(path: Path, batch: int = 500) -> dict[str, int]:
    """Put every archived document back (by _id; existing documents are replaced)."""
    restored = {}
    for name in json.loads((path / MANIFEST).read_text())["collections"]:
        ops, total = [], 0
        for _, document in read_documents(path, name):
            ops.append(mongo.ReplaceOne({"_id": document["_id"]}, document, upsert=True))
            if len(ops) == batch:
                mongo.collection(name).bulk_write(ops, ordered=False)
                total, ops = total + len(ops), []
        if ops:
            mongo.collection(name).bulk_write(ops, ordered=False)
            total += len(ops)
        restored[name] = total
    return restored
