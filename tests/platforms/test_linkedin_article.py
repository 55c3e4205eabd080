"""LinkedIn article posts: a post with a link and no images carries `content.article` with the
page's title and description (read from its Open Graph tags on a page server on 127.0.0.1) and its
image uploaded through the Images API as the thumbnail; the fake LinkedIn checks the shape."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from scheduler.models import Content, QueuedPost
from scheduler.platforms.linkcard import LinkCards
from scheduler.platforms.linkedin import LinkedInPublisher, build_payloads
from tests.fakes.linkedin_server import LinkedInFake
from tests.fakes.pages import PageServer, Resource, og_page, png, site_only

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
AUTHOR = "urn:li:organization:7"


@pytest.fixture
def site() -> Iterator[PageServer]:
    with PageServer() as server:
        yield server


@pytest.fixture
def linkedin() -> Iterator[LinkedInFake]:
    with LinkedInFake(token="li") as fake:
        yield fake


def _client(linkedin: LinkedInFake, site: PageServer) -> LinkedInPublisher:
    return LinkedInPublisher(
        linkedin.url, SecretStr("li"), author=AUTHOR, version="202511", cards=LinkCards(site_only(site))
    )


def _post(link: str | None) -> QueuedPost:
    return QueuedPost(
        id=1,
        item_id="i",
        platform="linkedin",
        account="default",
        state="publishing",
        publish_at=NOW,
        content=Content(
            (f"Neu im Netzwerk: {link}",), "de", links=(link,) if link else (), title="Bundeskongress 2024"
        ),
        idempotency_key="k",
        claimed_at=NOW,
    )


def test_an_article_carries_the_pages_title_description_and_image(linkedin, site):
    image = site.add("/bild.png", Resource(body=png(40, 20), content_type="image/png"))
    page = site.add(
        "/kongress",
        Resource(body=og_page("Bundeskongress: Teilhabe sichern", "Rückblick auf das Forum in Berlin", image)),
    )
    _client(linkedin, site).publish(_post(page))
    (posted,) = linkedin.posts
    article = posted["content"]["article"]
    assert article["source"] == page
    assert article["title"] == "Bundeskongress: Teilhabe sichern"
    assert article["description"] == "Rückblick auf das Forum in Berlin"
    assert linkedin.images[article["thumbnail"]]["data"] == png(40, 20)  # uploaded through the Images API


def test_a_page_that_cannot_be_read_gives_an_article_with_the_items_title(linkedin, site):
    _client(linkedin, site).publish(_post(site.url + "/verschwunden"))  # 404
    (posted,) = linkedin.posts
    assert posted["content"]["article"] == {
        "source": site.url + "/verschwunden",
        "title": "Bundeskongress 2024",
        "description": "",
    }


def test_no_link_no_article(linkedin, site):
    _client(linkedin, site).publish(_post(None))
    (posted,) = linkedin.posts
    assert posted["content"] is None and site.hits == {}


def test_a_dry_run_names_what_the_page_will_give_without_fetching_it(site):
    (body,) = build_payloads(_post(site.url + "/kongress").content, now=NOW)
    article = body["content"]["article"]
    assert article["source"] == site.url + "/kongress"
    assert article["title"] == "<title of the page (og:title), else: Bundeskongress 2024>"
    assert article["description"] == "<description of the page (og:description)>"
    assert site.hits == {}
