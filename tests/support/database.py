"""The Django database the tests run on, as a DATABASE_URL for the processes they start."""

from __future__ import annotations

from urllib.parse import quote

from django.db import connection


def shared_database_url() -> str:
    """The database pytest-django created (its test name), SQLite or PostgreSQL, so that a spawned
    worker, Beat or sender reads and writes the rows the test sees."""
    db = connection.settings_dict
    engine = db["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    if engine == "django.db.backends.postgresql":
        auth = quote(db.get("USER") or "", safe="")
        if db.get("PASSWORD"):
            auth += ":" + quote(db["PASSWORD"], safe="")
        host = db.get("HOST") or "127.0.0.1"
        port = f":{db['PORT']}" if db.get("PORT") else ""
        return f"postgres://{auth}{'@' if auth else ''}{host}{port}/{quote(db['NAME'], safe='')}"
    raise NotImplementedError(f"tests start processes only on SQLite or PostgreSQL, not {engine}")
