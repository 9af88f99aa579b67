"""Opening http(s) addresses for a download that trusts the server as little as possible.

`guarded_opener` speaks http(s) only, follows redirects only to http(s) (`CheckedRedirects`, which also keeps
Hugging Face's X-Linked-Etag) and lets a `Watchdog` shut every socket of one file's download at its deadline:
a read time-out alone never ends a server that trickles a byte just inside each time-out.

    with Watchdog(deadline) as watchdog:
        response = guarded_opener(CheckedRedirects(), watchdog).open(url, timeout=30)
"""
from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import urllib.request
from typing import Any
from urllib.parse import urljoin, urlsplit

from core.errors import DownloadError

WEB_SCHEMES = ("http", "https")


def require_web_scheme(url: str) -> None:
    """Refuse any address that is not http(s): file://, ftp:// or data: would read from places no data set
    lives (a redirect to file:///etc/passwd is the classic).

    >>> require_web_scheme("https://huggingface.co/datasets")
    >>> require_web_scheme("file:///etc/passwd")
    Traceback (most recent call last):
    core.errors.DownloadError: file:///etc/passwd: only http:// and https:// addresses can be downloaded, not file:
    """
    scheme = urlsplit(url).scheme.lower()
    if scheme not in WEB_SCHEMES:
        raise DownloadError(f"{url}: only http:// and https:// addresses can be downloaded, not {scheme or '(none)'}:",
                            hint="give the data set's web address with --url; for CSVs already on this machine "
                                 "pass their folder with --data")



class CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects to http(s) addresses only, remembering the first X-Linked-Etag on the way."""

    def __init__(self) -> None:
        self.followed = False
        self.linked_etag: str | None = None

    def http_error_302(self, req, fp, code, msg, headers):
        try:
            require_web_scheme(urljoin(req.full_url, headers.get("Location") or headers.get("URI") or ""))
        except DownloadError:
            fp.close()
            raise
        self.followed = True
        self.linked_etag = self.linked_etag or headers.get("X-Linked-Etag")
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


class Watchdog:
    """Shuts the sockets of one file's download down at its deadline: a read time-out alone never ends a
    server that sends a byte just inside each time-out, in its headers or its body. (A TLS handshake is
    bounded by the read time-out only: its socket is watched once the handshake is done.)"""

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            fired = self.fired
        if fired:  # connected (a redirect followed) after the deadline
            _shut(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    # shutdown, unlike close, wakes a thread blocked in recv on this socket (also once urllib has "closed" the
    # connection's socket object: the response's file keeps it open). The plain socket method, because
    # SSLSocket.shutdown also drops its TLS state under the reading thread's feet.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watched:
    """A connection whose socket the watchdog shuts at the file's deadline (mixed into http and https)."""

    sock: socket.socket

    def __init__(self, *args: Any, watchdog: Watchdog, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._watchdog = watchdog

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        self._watchdog.watch(self.sock)


class _WatchedHTTPConnection(_Watched, http.client.HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, http.client.HTTPSConnection):
    pass


class _WatchedHTTP(urllib.request.HTTPHandler):
    def __init__(self, watchdog: Watchdog) -> None:
        super().__init__()
        self._watchdog = watchdog

    def http_open(self, req):
        return self.do_open(_WatchedHTTPConnection, req, watchdog=self._watchdog)


class _WatchedHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, watchdog: Watchdog) -> None:
        super().__init__()
        self._watchdog = watchdog

    def https_open(self, req):
        return self.do_open(_WatchedHTTPSConnection, req, context=self._context, watchdog=self._watchdog)


def guarded_opener(redirects: CheckedRedirects, watchdog: Watchdog) -> urllib.request.OpenerDirector:
    """An opener that speaks http(s) only (no file:, ftp: or data: handlers), through the user's proxy."""
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), urllib.request.UnknownHandler(), _WatchedHTTP(watchdog),
                    _WatchedHTTPS(watchdog), urllib.request.HTTPDefaultErrorHandler(), redirects,
                    urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener
