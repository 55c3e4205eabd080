"""Moving queued posts in and out: an iCalendar feed and CSV for spreadsheets, and bulk import
from CSV (every row validated before anything is stored)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from scheduler.errors import InputError
from scheduler import media
from scheduler.models import PLATFORMS, Image, QueuedPost, item_id
from scheduler.newsletter.language import detect_language
from scheduler.storage import NewPost
from scheduler.text.length import measure

EXPORT_COLUMNS = ("id", "item_id", "platform", "account", "state", "publish_at", "text", "link", "image", "alt",
                  "attempts", "remote_id", "remote_url", "error")
IMPORT_COLUMNS = ("platform", "account", "publish_at", "text", "link", "image", "alt")
_ICS_STATUS = {"draft": "TENTATIVE", "cancelled": "CANCELLED"}


def to_csv(posts: Sequence[QueuedPost], timezone: str) -> str:
    zone = ZoneInfo(timezone)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for post in posts:
        writer.writerow([
            post.id, post.item_id, post.platform, post.account, post.state,
            post.publish_at.astimezone(zone).isoformat(timespec="minutes"), post.text, post.link or "",
            "|".join(image.path for image in post.images), "|".join(image.alt for image in post.images), post.attempts, post.remote_id or "", post.remote_url or "", post.error or "",
        ])
    return out.getvalue()


def to_ics(posts: Sequence[QueuedPost], *, now: dt.datetime, name: str = "Social posts") -> str:
    """An iCalendar with one 15-minute event per post, for the team's calendar."""
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//newsletter-scheduler//queue export//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for post in posts:
        event = Event()
        event.add("uid", f"post-{post.id}@newsletter-scheduler")
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
    return calendar.to_ical().decode()


@dataclass(frozen=True, slots=True)
class _Row:
    number: int
    values: dict[str, str]


def read_csv(path: Path, *, timezone: str, now: dt.datetime, mastodon_limit: int = 500,
             languages: Sequence[str] = ("de", "en"), media_base_url: str | None = None) -> list[NewPost]:
    """Posts from a CSV with the columns platform, account, publish_at, text, link, image, alt.

    `image` holds one image, or several separated by `|`, each a file relative to the CSV or an
    https URL; `alt` holds their alt texts in the same order, separated the same way.

    Every row is checked (platform, time in the future, text within the platform's limit, link,
    images for the platform) before any is returned; the first problem raises `InputError` naming
    file and row."""
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; save the spreadsheet as CSV UTF-8") from None
    reader = csv.DictReader(io.StringIO(raw))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [column for column in ("platform", "publish_at", "text") if column not in header]
    if missing:
        raise InputError(f"{path}: missing column {missing[0]!r}; the columns are {', '.join(IMPORT_COLUMNS)}")
    unknown = [column for column in header if column not in IMPORT_COLUMNS]
    if unknown:
        raise InputError(f"{path}: unknown column {unknown[0]!r}; the columns are {', '.join(IMPORT_COLUMNS)}")
    rows = [
        _Row(number, {key.strip().lower(): (value or "").strip() for key, value in record.items() if key})
        for number, record in enumerate(reader, start=2)
    ]
    if not rows:
        raise InputError(f"{path}: no rows below the header")
    return [_post(path, row, timezone=timezone, now=now, mastodon_limit=mastodon_limit, languages=languages,
                  media_base_url=media_base_url) for row in rows]


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
            raise InputError(f"{where}: image {missing!r} needs alt text (the alt column, one per image, "
                             f"separated by |) for people who cannot see it")
        raise InputError(f"{where}: {len(texts)} alt texts for {len(paths)} images; give one per image, separated by |")
    return tuple(Image(path=media.resolve(value, path.parent), alt=text) for value, text in zip(paths, texts))


def _post(path: Path, row: _Row, *, timezone: str, now: dt.datetime, mastodon_limit: int,
          languages: Sequence[str], media_base_url: str | None) -> NewPost:
    where = f"{path} row {row.number}"
    values = row.values
    platform = values.get("platform", "").lower()
    if platform not in PLATFORMS:
        raise InputError(f"{where}: unknown platform {platform!r}; use one of {', '.join(PLATFORMS)}")
    try:
        when = dt.datetime.fromisoformat(values.get("publish_at", ""))
    except ValueError:
        raise InputError(f"{where}: publish_at {values.get('publish_at')!r} is not a time; use ISO 8601 such as 2025-01-20T09:30") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(timezone))
    when = when.astimezone(dt.UTC)
    if when < now:
        raise InputError(f"{where}: publish_at {values['publish_at']} is in the past")
    text = values.get("text", "")
    if not text:
        raise InputError(f"{where}: text is empty")
    result = measure(platform, text, mastodon_limit=mastodon_limit)
    if not result.fits:
        raise InputError(f"{where}: text too long for {platform}: {result.problem}")
    link = values.get("link") or None
    if link and not link.startswith(("http://", "https://")):
        raise InputError(f"{where}: link {link!r} must start with https://")
    image_column = values.get("image", "")
    images = media.prepare(_images(path, where, image_column, values.get("alt", "")), platform, where=where,
                           media_base_url=media_base_url)
    return NewPost(
        # the image column as written, so the id stays what it was before several images were allowed
        item_id=item_id(f"{text}\n{link or ''}\n{image_column}"), platform=platform,
        account=values.get("account") or "default", publish_at=when, parts=(text,),
        language=detect_language(text, languages),
        source=str(path), link=link, images=images,
    )
