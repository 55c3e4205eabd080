"""A newsletter's site on 127.0.0.1 (`site`), its issues, and a queue in a real SQLite file that the
CLI watches, publishing to Mastodon only (dry run: no account is configured)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.feeds import Entry, FeedSite

MARCH = Entry(
    "Newsletter März 2025",
    dt.date(2025, 3, 7),
    (
        (
            "Stadtteilfest am 24. Mai",
            "Das Stadtteilfest auf dem Nordmarkt findet in diesem Jahr am 24. Mai statt. Vereine, Kitas und "
            "Initiativen können sich noch bis zum 31. März für einen Stand anmelden.",
        ),
        (
            "Sozialberatung mit neuen Sprechzeiten",
            "Die Sozialberatung im Stadtteilbüro ist ab April dienstags und donnerstags von 9 bis 13 Uhr "
            "geöffnet. Termine außerhalb der Sprechzeiten vergeben wir telefonisch.",
        ),
    ),
)
APRIL = Entry(
    "Newsletter April 2025",
    dt.date(2025, 4, 4),
    (
        (
            "Repair-Café sucht Verstärkung",
            "Wer gerne schraubt, näht oder lötet, ist im Repair-Café willkommen. Wir treffen uns jeden ersten "
            "Samstag im Monat im Gemeindehaus an der Kirchstraße.",
        ),
        (
            "Neue Spielgruppe für Kinder unter drei",
            "Ab Mai trifft sich mittwochs eine Spielgruppe für Kinder unter drei Jahren und ihre Eltern im "
            "Familienzentrum. Die Teilnahme ist kostenlos, eine Anmeldung nicht nötig.",
        ),
    ),
)
MAY = Entry(
    "Newsletter Mai 2025",
    dt.date(2025, 5, 2),
    (
        (
            "Ferienprogramm 2025: Anmeldung ab 12. Mai",
            "Das Ferienprogramm bietet in den Sommerferien mehr als 80 Angebote für Kinder von 6 bis 14 Jahren. "
            "Die Anmeldung beginnt am 12. Mai um 10 Uhr.",
        ),
        (
            "Elterncafé zieht um",
            "Das Elterncafé trifft sich ab Juni im neuen Gemeinschaftsraum der Wohnanlage am Lindenhof. Die "
            "Zeiten bleiben gleich: donnerstags von 15 bis 17 Uhr.",
        ),
        (
            "Sprechstunde Kinderzuschlag",
            "Am 20. Mai beantwortet die Familienkasse in einer offenen Sprechstunde im Stadtteilbüro Fragen zum "
            "Kinderzuschlag und zum Bildungs- und Teilhabepaket.",
        ),
    ),
)


@pytest.fixture
def site() -> Iterator[FeedSite]:
    with FeedSite() as served:
        yield served


@pytest.fixture
def watched(sqlite_queue: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI's queue (SQLite), reaching the test's site on 127.0.0.1, posting to Mastodon."""
    monkeypatch.setenv("SCHEDULER_FETCH_ALLOW", "127.0.0.1")
    monkeypatch.setenv("SCHEDULER_PLATFORMS", "mastodon")
    return sqlite_queue
