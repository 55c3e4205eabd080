"""Mailing tools' click trackers: which tool a link goes through, and its target where the tracker's
own address carries it — decoded, never requested (a request would count as a reader's click)."""

from __future__ import annotations

import base64
import socket

import pytest

from scheduler.text.trackers import target, tool, tracking

MAILJET = (
    "https://x8k2p.mjt.lu/lnk/AVQAAFk3mZcAAAAAAAAAAKuL1cAAAAAAAAAAAAAAAAA/2/Y2FtcGluZ0F1Zm1hY2g/"
    "aHR0cHM6Ly93d3cuanVnZW5kcmluZy1rcmVpcy5leGFtcGxlL2ZyZWl6ZWl0ZW4"
)
CLEVERREACH = "https://10234.seu2.cleverreach.com/c/81234567/5f0e2d9c1b-sxk2q1"
RAPIDMAIL = "https://t8c41f2ad.emailsys1a.net/c/112/4471203/0/0/0/190234/2b9d4e1f08.html"
BREVO = "https://r.sendibt3.com/tr/cl/Ha2LpW9sTqKc4Nd1Zr6yGv0XmBe3Jf7Uo8Ik5"
MAILCHIMP = "https://verein.us21.list-manage.com/track/click?u=5a1f0c2e9d7b3a8e4c6f1d0b2&id=8b2c6e1f04&e=7d3c2b1a90"


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing here may connect anywhere: following a tracker counts as a click."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a tracker was requested")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.mark.parametrize(
    ("url", "name"),
    [
        (MAILJET, "Mailjet"),
        (CLEVERREACH, "CleverReach"),
        (RAPIDMAIL, "rapidmail"),
        (BREVO, "Brevo"),
        (MAILCHIMP, "Mailchimp"),
        ("https://u123.ct.sendgrid.net/ls/click?upn=abc", "SendGrid"),
        ("https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fverein.example%2F", "Outlook's Safe Links"),
    ],
)
def test_each_tool_is_named(url, name):
    assert tool(url) == name and tracking(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.jugendring-kreis.example/freizeiten",
        "https://www.mailjet.com/images/theme/v1/icons/ico-social/facebook.png",  # the tool's own site
        "https://www.brevo.com/de/",
        "https://cleverreach.com/de/",
        "not an address",
        "https://[::1",
    ],
)
def test_other_addresses_are_no_trackers(url):
    assert tool(url) == "" and not tracking(url) and target(url) == ""


def test_mailjets_target_is_the_base64_of_the_last_part_of_its_path():
    assert target(MAILJET) == "https://www.jugendring-kreis.example/freizeiten"


@pytest.mark.parametrize(
    "url",
    [
        "https://click.mjt.lu/r?url=https%3A%2F%2Fwww.verein.example%2Fsommerfest%3Fjahr%3D2025",
        "https://t1.emailsys1a.net/r/?u=https%3A%2F%2Fwww.verein.example%2Fsommerfest%3Fjahr%3D2025&x=1",
        f"https://t1.emailsys1a.net/r/?u={_b64('https://www.verein.example/sommerfest?jahr=2025')}",
        "https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.verein.example%2Fsommerfest%3Fjahr%3D2025"
        "&data=05%7C02&reserved=0",
    ],
)
def test_a_target_in_a_query_parameter_is_taken(url):
    assert target(url) == "https://www.verein.example/sommerfest?jahr=2025"


def test_safe_links_around_a_mailjet_tracker_lead_to_the_article():
    wrapped = "https://eur01.safelinks.protection.outlook.com/?url=" + MAILJET.replace(":", "%3A").replace("/", "%2F")
    assert target(wrapped) == "https://www.jugendring-kreis.example/freizeiten"


@pytest.mark.parametrize("url", [CLEVERREACH, RAPIDMAIL, BREVO, MAILCHIMP])
def test_a_tracker_that_does_not_say_its_target_has_none(url):
    assert target(url) == ""  # Mailchimp's u= is the account, not an address


@pytest.mark.parametrize(
    "decoded",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://files.example/a.pdf",
        "file:///etc/passwd",
        "https://bank.example@evil.example/",  # a user name that looks like the host
        "https://verein.example/a b",
        "https://verein.example/\nSet-Cookie: x",
        "https://",
        "www.verein.example/ohne-schema",
    ],
)
def test_only_an_http_address_is_ever_taken(decoded):
    assert target(f"https://x1.mjt.lu/lnk/AAA/1/{_b64(decoded)}") == ""
    assert target("https://x1.mjt.lu/r?url=" + decoded.replace("&", "%26")) == ""


@pytest.mark.parametrize(
    "segment",
    ["%%%", "aHR0cHM6Ly9", "//8A/w", base64.urlsafe_b64encode(b"\xff\xfe\xfd" * 10).decode(), "A" * 20_000],
)
def test_broken_or_huge_segments_decode_to_nothing(segment):
    assert target(f"https://x1.mjt.lu/lnk/AAA/1/{segment}") == ""
