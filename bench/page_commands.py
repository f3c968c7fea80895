"""Where a page's time goes on the store, and what sending its inserts apart would change.

Seeds one campaign through the live path (as `scale_bench.py` does), then times pages of 100 new
engagers through `ingest_page` in two ways, alternating, in the same run:

- as shipped: each write step is one client-level `bulkWrite` (5 round trips a page);
- inserts apart (an experiment, not a mode of the product): each collection's inserts of a step go as
  one `insert` command and the rest of the step as one `bulkWrite`.

Both against a raw `insert_many` of the same 100 documents. Prints each command of one page of each
kind with the engine's time on it, then one line per kind: p50 ms, ratio to raw, round trips.

    .venv/bin/python bench/page_commands.py --volume 10000
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scale_bench as bench  # noqa: E402  (registers its command listener before any client)
import stores  # noqa: E402
from pymongo import InsertOne, monitoring  # noqa: E402
from pymongo.errors import BulkWriteError  # noqa: E402


class CommandLog(monitoring.CommandListener):
    """Each command sent while `on`: name, operations it carries, the engine's milliseconds."""

    def __init__(self):
        self.on, self.rows, self._open = False, [], {}

    def started(self, event):
        if self.on:
            body = event.command
            ops = next((len(body[k]) for k in ("ops", "documents", "updates", "deletes") if k in body), 0)
            self._open[event.request_id] = [event.command_name, body.get(event.command_name), ops, 0.0]

    def succeeded(self, event):
        row = self._open.pop(event.request_id, None)
        if row is not None:
            row[3] = event.duration_micros / 1000
            self.rows.append(row)

    failed = succeeded


LOG = CommandLog()
monitoring.register(LOG)


def send_inserts_apart(writes) -> None:
    """`Writes._send_at_once` with each collection's inserts as one `insert` command."""
    from socap_project import mongo

    by_collection, rest = {}, []
    for index, op in enumerate(writes.ops):
        if isinstance(op, InsertOne):
            by_collection.setdefault(op._namespace.split(".", 1)[1], []).append(index)
        else:
            rest.append(index)
    for name, indexes in by_collection.items():
        try:
            mongo.collection(name).insert_many([writes.ops[i]._doc for i in indexes], ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(error.get("code") != 11000 for error in errors):
                raise
            writes.refused |= {indexes[error["index"]] for error in errors}
    if rest:
        result = mongo.client().bulk_write([writes.ops[i] for i in rest], ordered=False, verbose_results=True)
        writes._updates = {rest[k]: v for k, v in dict(result.update_results).items()}


@contextmanager
def inserts_apart():
    from socap_project import mongo

    shipped = mongo.Writes._send_at_once
    mongo.Writes._send_at_once = send_inserts_apart
    try:
        yield
    finally:
        mongo.Writes._send_at_once = shipped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volume", type=int, default=10_000)
    parser.add_argument("--pages", type=int, default=10, help="pages of each kind")
    args = parser.parse_args()
    rng = random.Random(13)
    with stores.stopping(stores.start(Path(tempfile.mkdtemp(prefix="socap-page-bench-")))):
        campaign, rows, start = bench.make(400)
        bench.seed_following_index(rng)
        live = bench.LivePath(campaign, rows)
        bench.seed_to(live, rows, start, 0, args.volume, rng)
        kinds = {"one bulkWrite per step (shipped)": [], "inserts apart (experiment)": []}
        shown = {}
        for page in range(args.pages):
            for kind, costs in kinds.items():
                LOG.rows, LOG.on = [], page == 0
                if kind.startswith("inserts"):
                    with inserts_apart():
                        costs.append(bench.write_costs(live, rows, rng, pages=1))
                else:
                    costs.append(bench.write_costs(live, rows, rng, pages=1))
                LOG.on = False
                if page == 0:
                    shown[kind] = list(LOG.rows)
        for kind, rows_ in shown.items():
            print(f"\nOne page, {kind}: each command, operations, engine ms (the first three are the bench "
                  "reserving numbers and picking known accounts, the last two its raw baseline and its "
                  "engine-alone write of the same documents)\n")
            for name, target, ops, ms in rows_:
                print(f"  {name:<14} {str(target or ''):<24} {ops:>4} ops {ms:8.1f} ms")
        print(f"\nWhere a page's time goes — {args.volume:,} engagements, {args.pages} pages of {bench.PAGE} each kind "
              "sent as shipped and with each collection's inserts as one `insert` command, alternating, p50\n\n"
              "| page sent as | whole page | raw insert_many | whole page ÷ raw | round trips |\n|---|---|---|---|---|")
        for kind, costs in kinds.items():
            ours = statistics.median(c["ours"][0] for c in costs)
            raw = statistics.median(c["raw"][0] for c in costs)
            trips = sorted({c["trips"][0] for c in costs})
            print(f"| {kind} | {ours * 1000:.1f} ms | {raw * 1000:.1f} ms | {raw / ours:.2f}× | "
                  f"{'/'.join(map(str, trips))} |")


if __name__ == "__main__":
    main()
