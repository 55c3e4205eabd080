"""Durable storage: the queue on SQLite or PostgreSQL (SQLAlchemy appears only in this package)."""

from scheduler.storage.engine import sqlite_path
from scheduler.storage.queue import NewPost, Store

__all__ = ["NewPost", "Store", "sqlite_path"]
