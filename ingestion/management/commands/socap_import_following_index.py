"""Load the following index (who important people follow, with weights) into MongoDB."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ingestion.storing import importance

BATCH = 500


def read_jsonl(path: Path):
    with path.open() as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                yield importance.entry(row["user_id"], row.get("followers", []))
            except (ValueError, KeyError, TypeError) as exc:
                raise CommandError(f"{path}:{number}: not a following-index line ({exc}).") from exc


def read_csv(path: Path):
    """One edge per row: user_id, follower_id, follower_username, weight."""
    edges: dict[str, list[dict]] = defaultdict(list)
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"user_id", "follower_id", "weight"} - set(reader.fieldnames or [])
        if missing:
            raise CommandError(f"{path}: CSV header lacks {', '.join(sorted(missing))}.")
        for number, row in enumerate(reader, start=2):
            try:
                edges[row["user_id"]].append(
                    {"id": row["follower_id"], "username": row.get("follower_username", ""),
                     "weight": float(row["weight"])}
                )
            except ValueError as exc:
                raise CommandError(f"{path}:{number}: bad weight {row['weight']!r}.") from exc
    for user_id, followers in edges.items():
        yield importance.entry(user_id, followers)


class Command(BaseCommand):
    help = "Import the following index from a JSON-lines or CSV file (upserts by user_id)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        rows = read_csv(path) if path.suffix.lower() == ".csv" else read_jsonl(path)
        batch, seen, written, scored = [], 0, 0, 0
        for entry in rows:
            batch.append(entry)
            seen += 1
            scored += entry["score"] > 0
            if len(batch) == BATCH:
                written += importance.upsert_entries(batch)
                batch = []
                self.stdout.write(f"  {seen} accounts imported...")
        written += importance.upsert_entries(batch)
        self.stdout.write(self.style.SUCCESS(
            f"Following index: {seen} accounts read, {written} inserted or changed, {scored} with a positive score."
        ))
