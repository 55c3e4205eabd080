"""Moving queued posts in and out: an iCalendar feed and CSV for spreadsheets, and bulk import
from CSV (every row validated before anything is stored).

Spreadsheets: a cell a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or
carriage return) is exported with a `'` before it, OWASP's advice against CSV injection; import takes
that `'` off again, so an export read back gives the same texts. `to_csv(excel=True)` writes what
German Excel opens by double-click (UTF-8 with BOM, `;`, CRLF); `read_csv` reads `,`, `;` or tab,
UTF-8 with or without BOM and Windows-1252, and the export's own columns.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from scheduler import media
from scheduler.errors import FitError, InputError
from scheduler.models import Content, Image, QueuedPost, State, item_id, slugify
from scheduler.newsletter.language import detect_language
from scheduler.planner import wall_time
from scheduler.platforms import registry
from scheduler.render.helpers import add_utm
from scheduler.storage import NewPost
from scheduler.text.entities import url_spans
from scheduler.wording import plural

EXPORT_COLUMNS = (
    "id",
    "item_id",
    "platform",
    "account",
    "state",
    "publish_at",
    "text",
    "link",
    "image",
    "alt",
    "attempts",
    "remote_id",
    "remote_url",
    "error",
)
IMPORT_COLUMNS = ("platform", "account", "publish_at", "text", "link", "image", "alt")
#: The export's other columns, accepted on import: `item_id` keeps a post's identity (a post queued
#: already is not queued twice), `state` leaves out rows that are no longer pending; the rest is ignored.
EXPORT_ONLY_COLUMNS = tuple(column for column in EXPORT_COLUMNS if column not in IMPORT_COLUMNS)
_PENDING = ("", State.DRAFT, State.SCHEDULED)
_ICS_STATUS = {"draft": "TENTATIVE", "cancelled": "CANCELLED"}
#: What a spreadsheet takes for the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell: str) -> str:
    """The cell with a `'` before it when a spreadsheet would run it as a formula, or when it starts
    with quotes followed by such a character (so that `restored` gives back exactly the text)."""
    return "'" + cell if cell.lstrip("'")[:1] in FORMULA_STARTS else cell


def restored(cell: str) -> str:
    """The cell as it was before `neutralised`."""
    return cell[1:] if cell[:1] == "'" and cell.lstrip("'")[:1] in FORMULA_STARTS else cell


def to_csv(posts: Sequence[QueuedPost], timezone: str, *, excel: bool = False) -> str:
    """The posts as CSV; `excel`: with a UTF-8 BOM, `;` between cells and CRLF line ends, which
    Excel set to German (where `,` is the decimal comma) opens as columns by double-click."""
    zone = ZoneInfo(timezone)
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";" if excel else ",", lineterminator="\r\n" if excel else "\n")
    writer.writerow(EXPORT_COLUMNS)
    for post in posts:
        writer.writerow(
            [
                neutralised(str(cell))
                for cell in (
                    post.id,
                    post.item_id,
                    post.platform,
                    post.account,
                    post.state,
                    post.publish_at.astimezone(zone).isoformat(timespec="minutes"),
                    post.text,
                    post.content.link or "",
                    "|".join(image.path for image in post.images),
                    "|".join(image.alt for image in post.images),
                    post.attempts,
                    post.remote_id or "",
                    post.remote_url or "",
                    post.error or "",
                )
            ]
        )
    return ("\ufeff" if excel else "") + out.getvalue()


def to_ics(posts: Sequence[QueuedPost], *, now: dt.datetime, name: str = "Social posts") -> str:
    """An iCalendar with one 15-minute event per post, for the team's calendar."""
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//newsletter-scheduler//queue export//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for post in posts:
        event = Event()
        # the post's idempotency key is random per post: ids repeat across databases, it does not
        event.add("uid", f"{post.idempotency_key or f'post-{post.id}'}@newsletter-scheduler")
        event.add("dtstamp", now)
        event.add("dtstart", post.publish_at)
        event.add("duration", dt.timedelta(minutes=15))
        first_line = post.text.split("\n", 1)[0]
        event.add("summary", f"[{post.platform}] {post.title or first_line[:60]}")
        event.add("description", post.text)
        event.add("status", _ICS_STATUS.get(post.state, "CONFIRMED"))
        event.add("categories", [post.platform, post.state])
        if post.remote_url:
            event.add("url", post.remote_url)
        calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical.decode()


@dataclass(frozen=True, slots=True)
class _Row:
    number: int
    values: dict[str, str]


Key = tuple[str, str, str]  # item id, platform, account


@dataclass(frozen=True, slots=True)
class CsvImport:
    """What a CSV file holds: the posts to queue, and the rows left out before they were checked."""

    posts: list[NewPost]
    queued_already: int = 0  # rows of posts this queue has (an export read back)
    not_pending: int = 0  # exported rows of posts published, failed or cancelled


def decode(data: bytes, path: Path) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 — what Excel saves as "CSV UTF-8" and as "CSV".
    A file that is UTF-8 but for a stray byte is refused with its line, not read as Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        mostly = data.decode("utf-8-sig", errors="replace")
        if any(ord(ch) > 127 and ch != "\ufffd" for ch in mostly):
            line = data[: error.start].count(b"\n") + 1
            raise InputError(
                f"{path} line {line}: byte 0x{data[error.start]:02x} is not UTF-8 in a UTF-8 file; "
                "save the spreadsheet as CSV UTF-8 again"
            ) from None
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise InputError(f"{path}: neither UTF-8 nor Windows-1252 text; save the spreadsheet as CSV UTF-8") from None


def _delimiter(header_line: str) -> str:
    """`,` or `;` (German Excel) or tab, whichever separates the header's column names."""
    return max((",", ";", "\t"), key=header_line.count) if any(c in header_line for c in ",;\t") else ","


def read_csv(
    path: Path,
    *,
    timezone: str,
    now: dt.datetime,
    limits: Mapping[str, int] | None = None,
    languages: Sequence[str] = ("de", "en"),
    media_base_url: str | None = None,
    utm: bool = True,
    queued: Callable[[Collection[Key]], set[Key]] | None = None,
) -> CsvImport:
    """Posts from a CSV with the columns platform, account, publish_at, text, link, image, alt
    (and, in a file `to_csv` wrote, its other columns).

    `image` holds one image, or several separated by `|`, each a file relative to the CSV or an
    https URL; `alt` holds their alt texts in the same order, separated the same way. A `link` is
    tagged for analytics (with `utm`) and put into the text, where it is not there already.

    Rows whose (item id, platform, account) `queued` reports as queued are left out, as are exported
    rows no longer pending. Every other row is checked (platform, time in the future, text within the
    platform's limit, link, images for the platform) before any is returned; the first problem raises
    `InputError` (`FitError` for a text too long) naming file and row."""
    try:
        raw = decode(path.read_bytes(), path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror}); check the path") from None
    if "\x00" in raw:
        line = raw[: raw.index("\x00")].count("\n") + 1
        raise InputError(
            f"{path} line {line}: a NUL byte, which no post can carry; save the spreadsheet as CSV UTF-8 again"
        )
    reader = csv.DictReader(io.StringIO(raw, newline=""), delimiter=_delimiter(raw.split("\n", 1)[0]))
    try:
        header = [name.strip().lower() for name in reader.fieldnames or []]
        records = list(reader)
    except csv.Error as error:  # a cell longer than csv's field limit (131,072 characters), …
        raise InputError(
            f"{path} after line {reader.line_num}: cannot be read as CSV ({error}); no post is that "
            "long: check the quotes around that row's cells"
        ) from None
    missing = [column for column in ("platform", "publish_at", "text") if column not in header]
    if missing:
        raise InputError(f"{path}: missing column {missing[0]!r}; the columns are {', '.join(IMPORT_COLUMNS)}")
    unknown = [column for column in header if column not in IMPORT_COLUMNS + EXPORT_ONLY_COLUMNS]
    if unknown:
        raise InputError(f"{path}: unknown column {unknown[0]!r}; the columns are {', '.join(IMPORT_COLUMNS)}")
    rows = [
        _Row(number, {key.strip().lower(): restored(value or "").strip() for key, value in record.items() if key})
        for number, record in enumerate(records, start=2)
    ]
    if not rows:
        raise InputError(f"{path}: no rows below the header")
    pending = [row for row in rows if row.values.get("state", "").lower() in _PENDING]
    keys = {
        row.number: (
            _item_id(row.values),
            row.values.get("platform", "").lower(),
            row.values.get("account") or "default",
        )
        for row in pending
    }
    present = queued(set(keys.values())) if queued is not None else set()
    posts = [
        _post(
            path,
            row,
            timezone=timezone,
            now=now,
            limits=limits,
            languages=languages,
            media_base_url=media_base_url,
            utm=utm,
        )
        for row in pending
        if keys[row.number] not in present
    ]
    return CsvImport(posts, queued_already=len(pending) - len(posts), not_pending=len(rows) - len(pending))


def _item_id(values: dict[str, str]) -> str:
    """The exported item id, or one made of what the row says (the image column as written, so the
    id stays what it was before several images were allowed)."""
    return values.get("item_id") or item_id(
        f"{values.get('text', '')}\n{values.get('link', '')}\n{values.get('image', '')}"
    )


def _with_link(text: str, link: str, written: str) -> str:
    """`text` with `link` (the row's link as `written`, tagged) in place of the address where the
    text has it already, else on a line of its own at the end."""
    for span in url_spans(text):
        if span.text in (written, link):
            return text[: span.start] + link + text[span.end :]
    return f"{text}\n\n{link}"


def _images(path: Path, where: str, images: str, alts: str) -> tuple[Image, ...]:
    """The row's images: `a.png|b.png` with alt texts `First|Second`."""
    paths = [value.strip() for value in images.split("|")] if images else []
    texts = [value.strip() for value in alts.split("|")] if alts else []
    if not paths:
        if texts:
            raise InputError(f"{where}: alt text without an image; fill the image column or empty the alt column")
        return ()
    if "" in paths:
        raise InputError(f"{where}: an empty image name in {images!r}; separate images with a single |")
    if len(texts) != len(paths):
        missing = paths[len(texts)] if len(texts) < len(paths) else None
        if missing is not None:
            raise InputError(
                f"{where}: image {missing!r} needs alt text (the alt column, one per image, "
                f"separated by |) for people who cannot see it"
            )
        raise InputError(
            f"{where}: {plural(len(texts), 'alt text')} for {plural(len(paths), 'image')}; "
            "give one per image, separated by |"
        )
    return tuple(
        Image(path=media.resolve(value, path.parent), alt=text) for value, text in zip(paths, texts, strict=True)
    )


#: The years a publish time may name (year 1 or 9999 would overflow the arithmetic on times).
YEARS = (1970, 2999)


def _moment(value: str, where: str) -> dt.datetime:
    """ISO 8601, or the day-first form German Excel shows and saves (`03.02.2030 10:00`)."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        try:
            moment = dt.datetime.strptime(value, "%d.%m.%Y %H:%M")  # noqa: DTZ007 - a wall time, given its zone below
        except ValueError:
            raise InputError(
                f"{where}: publish_at {value!r} is not a time; use ISO 8601 such as 2025-01-20T09:30 "
                "(or 20.01.2025 09:30)"
            ) from None
    if not YEARS[0] <= moment.year <= YEARS[1]:
        raise InputError(f"{where}: publish_at {value!r} is out of range; use a year from {YEARS[0]} to {YEARS[1]}")
    return moment


def _post(
    path: Path,
    row: _Row,
    *,
    timezone: str,
    now: dt.datetime,
    limits: Mapping[str, int] | None,
    languages: Sequence[str],
    media_base_url: str | None,
    utm: bool,
) -> NewPost:
    where = f"{path} row {row.number}"
    values = row.values
    platform = values.get("platform", "").lower()
    if platform not in registry.NAMES:
        raise InputError(f"{where}: unknown platform {platform!r}; use one of {', '.join(registry.NAMES)}")
    when = wall_time(_moment(values.get("publish_at", ""), where), timezone, what=f"{where}: publish_at")
    if when < now:
        raise InputError(f"{where}: publish_at {values['publish_at']} is in the past")
    text = values.get("text", "")
    if not text:
        raise InputError(f"{where}: text is empty")
    link = values.get("link") or None
    if link and not link.startswith(("http://", "https://")):
        raise InputError(f"{where}: link {link!r} must start with https://")
    if link:  # like a template's link: tagged for the platform, and in the text every platform shows
        link = add_utm(link, source=platform, campaign=slugify(path.stem) or "csv") if utm else link
        text = _with_link(text, link, values["link"])
    result = registry.measure(platform, text, limits=limits)
    if not result.fits:
        raise FitError(f"{where}: text too long for {platform}: {result.problem}")
    image_column = values.get("image", "")
    images = media.prepare(
        _images(path, where, image_column, values.get("alt", "")),
        registry.get(platform).images,
        where=where,
        media_base_url=media_base_url,
    )
    return NewPost(
        item_id=_item_id(values),
        platform=platform,
        account=values.get("account") or "default",
        publish_at=when,
        content=Content((text,), detect_language(text, languages), links=(link,) if link else (), images=images),
        source=str(path),
    )
