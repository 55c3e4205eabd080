"""The headers every answer carries, and content shown as text, never as markup."""

from __future__ import annotations

from flask import Flask

from scheduler.storage import Store
from tests.web.conftest import queue_posts, sign_in


def test_every_page_has_a_content_security_policy_without_unsafe_inline_and_the_usual_headers(app: Flask):
    client = app.test_client()
    sign_in(client, "erika")
    for path in ("/login", "/queue", "/no-such-page"):
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
    assert client.get("/queue").headers["Cache-Control"] == "no-store"


def test_a_post_with_markup_and_a_javascript_link_is_shown_as_text(app: Flask, store: Store):
    queue_posts(store, 1, text='<script>alert("x")</script> <a href="javascript:alert(1)">hier</a>')
    client = app.test_client()
    sign_in(client, "erika")
    page = client.get("/queue").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert 'href="javascript:' not in page
    assert "<script" not in page  # the dashboard itself has no inline script either
