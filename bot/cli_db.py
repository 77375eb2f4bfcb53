"""``grundlagbot db upgrade``: apply the storage's schema migrations (SQLite or PostgreSQL).

``serve`` and every command that opens the database migrate it too; running this first lets an
operator upgrade the schema once, before a rolling restart of the replicas (README).
"""

from __future__ import annotations

import argparse

from bot.database import shown
from bot.storage import Storage
from handlers.settings import Settings


def run_db(args: argparse.Namespace, settings: Settings) -> int:
    store = Storage(settings.database)  # opening applies the migrations; StoreError names the database
    try:
        print(f"{shown(settings.database)}: schema at revision {store.revision}")
    finally:
        store.close()
    return 0
