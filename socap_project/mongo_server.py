"""Embedded MongoDB-compatible server for laptops and CI.

Runs the `mongoeco` wire-protocol server on its SQLite engine, so the project's
pymongo code talks the real MongoDB protocol without a MongoDB installation.
Production points MONGODB_URI at a real MongoDB instead.

Two narrow engine overrides keep writes from scanning the whole collection;
both keep the engine's answers exactly as they were:

* Unique checks. On every insert the engine decodes every stored document to
  find `_id` values numerically equal to the new one (1 == 1.0). Such an
  equality is only possible when the id contains a number, so the scan is
  limited to that case; ObjectId and string ids are already checked exactly by
  their storage key. Compound unique indexes (the engagement duplicate guard)
  also fell back to a full decode; when every indexed value is a plain
  top-level string the check is one SQL lookup on the engine's own expression
  index instead, and anything else still takes the engine's own path.
* The "does any stored value of field F have tagged type bytes/undefined"
  probe was recomputed with a table scan after every write. Its answer can only
  turn true by writing such a value, so the cached answer is kept and dropped
  only when a written document carries one (a stale "true" only costs speed).

Usage: python -m socap_project.mongo_server --path var/mongo/socap.sqlite --port 27027
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import threading
from pathlib import Path

from mongoeco.core.identity import id_contains_numeric_value
from mongoeco.engines.sqlite import SQLiteEngine
from mongoeco.wire.proxy import AsyncMongoEcoProxyServer

log = logging.getLogger("socap.mongo_server")

_TAGGED_MARKERS = ('"type":"bytes"', '"type":"undefined"')


def _string_equals_sql(field: str) -> str:
    # Same expressions as the engine's compound expression index, so SQLite uses it.
    return (
        f"COALESCE(json_extract(document, '$.{field}.\"$mongoeco\".type'), '') = '' AND "
        f"COALESCE(json_extract(document, '$.{field}.\"$mongoeco\".value'), "
        f"json_extract(document, '$.{field}')) = ?"
    )


class SocapSQLiteEngine(SQLiteEngine):
    _checked_here = threading.local()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._tagged_types: dict[tuple[str, str, str, str], bool] = {}

    # -- unique indexes -------------------------------------------------
    def _load_indexes(self, db_name, coll_name):
        indexes = super()._load_indexes(db_name, coll_name)
        skip = getattr(self._checked_here, "names", None)
        if not skip:
            return indexes
        return [index for index in indexes if index["name"] not in skip]

    @staticmethod
    def _plain_string_unique(index, document) -> bool:
        if not index["unique"] or index["name"] == "_id_":
            return False
        if index.get("collation") is not None or index.get("sparse"):
            return False
        if index.get("partial_filter_expression") is not None:
            return False
        return all("." not in field and type(document.get(field)) is str for field in index["fields"])

    def _string_key_taken(self, conn, db_name, coll_name, index, document, exclude) -> bool:
        fields = list(index["fields"])
        sql = "SELECT 1 FROM documents WHERE db_name = ? AND coll_name = ? AND " + " AND ".join(
            _string_equals_sql(field) for field in fields
        )
        params: list[object] = [db_name, coll_name, *(document[field] for field in fields)]
        if exclude is not None:
            sql += " AND storage_key != ?"
            params.append(exclude)
        return conn.execute(sql + " LIMIT 1", params).fetchone() is not None

    def _validate_document_against_unique_indexes(
        self,
        db_name,
        coll_name,
        document,
        *,
        exclude_storage_key=None,
        skip_id_check=False,
        scan_payload_id=False,
    ):
        if scan_payload_id and not id_contains_numeric_value(document.get("_id")):
            scan_payload_id = False
        conn = self._require_connection()
        checked = set()
        for index in super()._load_indexes(db_name, coll_name):
            if not self._plain_string_unique(index, document):
                continue
            if self._string_key_taken(conn, db_name, coll_name, index, document, exclude_storage_key):
                raise self._unique_key_error(
                    f"Duplicate key for unique index '{index['name']}': "
                    f"{list(index['fields'])}={tuple(document[f] for f in index['fields'])!r}",
                    f"{db_name}.{coll_name}",
                    document,
                    index=index,
                    conflict=tuple(document[f] for f in index["fields"]),
                )
            checked.add(index["name"])
        self._checked_here.names = checked
        try:
            return super()._validate_document_against_unique_indexes(
                db_name,
                coll_name,
                document,
                exclude_storage_key=exclude_storage_key,
                skip_id_check=skip_id_check,
                scan_payload_id=scan_payload_id,
            )
        finally:
            self._checked_here.names = None

    # -- tagged-type probe cache -----------------------------------------
    def _serialize_document(self, document):
        payload = super()._serialize_document(document)
        if any(marker in payload for marker in _TAGGED_MARKERS):
            self._tagged_types = {key: found for key, found in self._tagged_types.items() if found}
        return payload

    def _field_contains_tagged_value_type_in_collection(self, db_name, coll_name, field, value_type):
        key = (db_name, coll_name, field, value_type)
        found = self._tagged_types.get(key)
        if found is None:
            found = super()._field_contains_tagged_value_type_in_collection(
                db_name, coll_name, field, value_type
            )
            self._tagged_types[key] = found
        return found


async def serve(path: Path, host: str, port: int, ready: asyncio.Event | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    server = AsyncMongoEcoProxyServer(engine=SocapSQLiteEngine(str(path)), host=host, port=port)
    address = await server.start()
    log.info("embedded MongoDB-compatible server on %s:%s (data %s)", address.host, address.port, path)
    print(f"mongo-server listening on {address.host}:{address.port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if ready is not None:
        ready.set()
    try:
        await stop.wait()
    finally:
        await server.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", type=Path, required=True, help="SQLite data file")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=27027)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(serve(args.path, args.host, args.port))


if __name__ == "__main__":
    main()
