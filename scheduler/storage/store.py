"""`Store`: the durable queue on one database, one class composed of the parts in this package."""

from __future__ import annotations

from scheduler.storage import engine as engines
from scheduler.storage.claims import Claims
from scheduler.storage.comments import Comments
from scheduler.storage.heartbeats import Heartbeats
from scheduler.storage.journal import AttemptJournal
from scheduler.storage.lateness import Lateness
from scheduler.storage.notices import Notices
from scheduler.storage.posts import Posts
from scheduler.storage.sources import Sources
from scheduler.storage.transitions import Transitions
from scheduler.storage.users import Users
from scheduler.storage.watch import ChangeWatch


class Store(Posts, Transitions, Claims, Heartbeats, Notices, Lateness, AttemptJournal, Sources, Users, Comments):
    """The durable queue on one database: posts and their transitions, claims, heartbeats, notices,
    posts running late, the attempt journal, the watched sources, the dashboard's users and comments
    (each part in its own module), and a watch for changes."""

    @classmethod
    def open(cls, url: str) -> Store:
        """Open (and migrate) the database at `url`."""
        engine = engines.create(url)
        engines.migrate(engine)
        return cls(engine)

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"

    def watch(self) -> ChangeWatch:
        """A watch telling cheaply whether another process changed the queue."""
        return ChangeWatch(self.engine)

    def close(self) -> None:
        self.engine.dispose()
