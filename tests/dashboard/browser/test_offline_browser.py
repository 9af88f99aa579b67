"""Every asset the dashboard needs comes from its own server: the favicon, fonts, icons, plotly, the code editor.
A meeting room without internet, or a data set whose text holds an image link, never makes the browser fetch
from anywhere else."""
from __future__ import annotations

from urllib.parse import urlparse

from pw import settle


def test_no_page_fetches_anything_from_another_host(page, server_url):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    for path in ("/", "/quotes", "/transcript", "/search?q=students", "/compare", "/codebook"):
        page.goto(server_url + path)
        settle(page, 1200)
    hosts = {urlparse(url).hostname for url in requested if urlparse(url).scheme in ("http", "https", "ws", "wss")}
    assert hosts == {"127.0.0.1"}, sorted(url for url in requested if "127.0.0.1" not in url)[:10]
    icon = page.locator("link[rel*=icon]").first.get_attribute("href") or ""
    assert icon.startswith(("data:", "/", server_url)) and "gstatic" not in icon  # our own favicon
