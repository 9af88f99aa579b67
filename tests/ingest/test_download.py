"""The downloader against a hostile server on 127.0.0.1 that the tests start themselves: endless and short
bodies, trickles, web pages, garbage instead of HTTP, wrong checksums and redirects to other schemes."""
from __future__ import annotations

import contextlib
import hashlib
import socket
import threading
import time
from collections.abc import Callable

import pytest

from core.cli.main import main
from core.errors import DownloadError, OutputError
from core.ingest.download import FILES, download_dataset, sha256_in_etag

Behaviour = Callable[[str, socket.socket], None]  # (requested file name, the connection) -> raw bytes sent


def csv_body(name: str) -> bytes:
    return f'transcript_id,text\n{name}_1,"User: I write reports."\n'.encode()


def send_head(conn: socket.socket, status: str = "200 OK", **headers: object) -> None:
    lines = [f"HTTP/1.1 {status}", "Connection: close"]
    lines += [f"{key.replace('_', '-')}: {value}" for key, value in headers.items()]
    conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())


def send_file(conn: socket.socket, body: bytes, *, content_type: str = "text/csv", **headers: object) -> None:
    send_head(conn, Content_Type=content_type, Content_Length=len(body), **headers)
    conn.sendall(body)


def good(name: str, conn: socket.socket) -> None:
    send_file(conn, csv_body(name))


class HostileServer:
    """A server on a free loopback port that answers every request with `behaviour`, a function writing raw
    bytes on the socket; it records the file names asked for."""

    def __init__(self) -> None:
        self.behaviour: Behaviour = good
        self.requests: list[str] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._stopped = threading.Event()
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}/data"
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    def _accept(self) -> None:
        with self._listener:
            while True:
                conn, _ = self._listener.accept()
                if self._stopped.is_set():
                    conn.close()
                    return
                threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):  # the client hanging up mid-answer is what some tests want
            conn.settimeout(10)
            request = b""
            while b"\r\n\r\n" not in request and (chunk := conn.recv(4096)):
                request += chunk
            name = request.split(b" ")[1].decode().rsplit("/", 1)[-1]
            self.requests.append(name)
            self.behaviour(name, conn)

    def close(self) -> None:
        self._stopped.set()
        socket.create_connection(self._listener.getsockname()).close()  # wakes accept() to see the flag
        self._acceptor.join()


@pytest.fixture
def server():
    hostile = HostileServer()
    yield hostile
    hostile.close()


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "public"


def download(server: HostileServer, folder, **limits) -> list:
    return download_dataset(folder, base_url=server.url, **{"timeout": 2, **limits})


def fails(server: HostileServer, folder, **limits) -> str:
    """The message of the DownloadError the download raises; checks that nothing was left in `folder`."""
    with pytest.raises(DownloadError) as caught:
        download(server, folder, **limits)
    assert caught.value.hint
    assert list(folder.iterdir()) == [], "a failed download left a file behind"
    return str(caught.value)


# ---------------------------------------------------------------- what a good server gives
def with_sha256_etag(name, conn):
    send_file(conn, csv_body(name), ETag=f'"{hashlib.sha256(csv_body(name)).hexdigest()}"')


def with_git_sha1_etag(name, conn):  # a non-LFS file on Hugging Face: a git blob sha1 is no content checksum
    send_file(conn, csv_body(name), ETag='"7b2e21e16d8803ced5e632e2f654200194bd21fc"')


def chunked(name, conn):
    body = csv_body(name)
    send_head(conn, Content_Type="text/csv", Transfer_Encoding="chunked")
    conn.sendall(b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:10], body[10:])) + b"0\r\n\r\n")


def like_hugging_face(name, conn):
    """The resolve URL redirects to the CDN with the sha256 in X-Linked-Etag; the CDN's ETag is another hash."""
    if name.startswith("cdn-"):
        send_file(conn, csv_body(name.removeprefix("cdn-")), ETag=f'"{"e" * 64}"')
    else:
        send_head(conn, "302 Found", Location=f"cdn-{name}", Content_Length=0,
                  X_Linked_Etag=f'"{hashlib.sha256(csv_body(name)).hexdigest()}"')


@pytest.mark.parametrize("behaviour", [good, with_sha256_etag, with_git_sha1_etag, chunked, like_hugging_face])
def test_a_good_server_gives_the_three_csvs(server, folder, behaviour):
    server.behaviour = behaviour
    sizes = {}
    paths = download_dataset(folder, base_url=server.url, on_file=sizes.__setitem__)
    assert [p.name for p in paths] == list(FILES)
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILES)  # no temporary files beside them
    for path in paths:
        assert path.read_bytes() == csv_body(path.name)
        assert sizes[path.name] == len(csv_body(path.name))


def test_complete_files_are_kept_and_damaged_ones_fetched_again(server, folder):
    folder.mkdir()
    (folder / FILES[0]).write_bytes(b"transcript_id,text\nmine,\"User: kept\"\n")
    (folder / FILES[1]).write_bytes(b"<!DOCTYPE html><title>Sign in</title>")  # saved by an older version
    download(server, folder)
    assert server.requests == [FILES[1], FILES[2]]
    assert b"mine" in (folder / FILES[0]).read_bytes()
    assert (folder / FILES[1]).read_bytes() == csv_body(FILES[1])
    download(server, folder, force=True)
    assert (folder / FILES[0]).read_bytes() == csv_body(FILES[0])


def test_a_folder_in_the_way_of_a_file_is_an_output_error(server, folder):
    (folder / FILES[0]).mkdir(parents=True)
    with pytest.raises(OutputError, match="cannot put the downloaded file here"):
        download(server, folder)
    assert [p.name for p in folder.iterdir()] == [FILES[0]]  # no temporary file left beside it


# ---------------------------------------------------------------- size
def endless(name, conn):
    send_head(conn, Content_Type="text/csv")  # no Content-Length: the body ends when the server closes
    conn.sendall(csv_body(name))
    for _ in range(200):  # 13 MB, far past the test's cap; bounded so the thread ends
        conn.sendall(b"x" * 65536)


def test_an_endless_body_stops_at_the_cap(server, folder):
    server.behaviour = endless
    message = fails(server, folder, max_bytes=100_000)
    assert f"{server.url}/{FILES[0]}" in message and "more than 100,000 bytes" in message


def test_an_announced_size_over_the_cap_is_refused_before_reading(server, folder):
    server.behaviour = lambda name, conn: send_head(conn, Content_Type="text/csv", Content_Length=5_000_000_000)
    message = fails(server, folder, max_bytes=100_000)
    assert "announces 5,000,000,000 bytes" in message and "100,000" in message


# ---------------------------------------------------------------- time
def silent(name, conn):
    send_head(conn, Content_Type="text/csv", Content_Length=1000)
    time.sleep(5)


def trickling_body(name, conn):
    send_head(conn, Content_Type="text/csv", Content_Length=1000)
    for byte in csv_body(name) * 20:
        conn.sendall(bytes([byte]))
        time.sleep(0.1)  # always inside the read time-out


def trickling_headers(name, conn):
    for byte in b"HTTP/1.1 200 OK\r\nX-Padding: " + b"x" * 1000:
        conn.sendall(bytes([byte]))
        time.sleep(0.1)


def test_a_silent_server_times_out(server, folder):
    server.behaviour = silent
    started = time.monotonic()
    assert "sent nothing for 0.5 s" in fails(server, folder, timeout=0.5)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("behaviour", [trickling_body, trickling_headers])
def test_a_trickle_inside_each_read_timeout_still_ends_at_the_deadline(server, folder, behaviour):
    server.behaviour = behaviour
    started = time.monotonic()
    assert "took longer than 1 s" in fails(server, folder, timeout=1, deadline=1)
    assert time.monotonic() - started < 3


# ---------------------------------------------------------------- incomplete bodies
def short(name, conn):
    send_head(conn, Content_Type="text/csv", Content_Length=1_000_000)
    conn.sendall(csv_body(name)[:10])


def chunked_cut_off(name, conn):
    send_head(conn, Content_Type="text/csv", Transfer_Encoding="chunked")
    conn.sendall(b"400\r\ntranscript_id,text\n")


def test_a_short_body_is_not_kept_and_a_later_run_downloads_it(server, folder):
    server.behaviour = short
    assert "ended after 10 of the 1,000,000 bytes it announced" in fails(server, folder)
    server.behaviour = good
    download(server, folder)
    assert (folder / FILES[0]).read_bytes() == csv_body(FILES[0])


def test_a_chunked_body_cut_off_is_not_kept(server, folder):
    server.behaviour = chunked_cut_off
    assert "broke off in the middle of the file" in fails(server, folder)


def test_a_failure_on_a_later_file_keeps_the_earlier_ones_and_the_next_run_fetches_the_rest(server, folder):
    server.behaviour = lambda name, conn: (short if name == FILES[1] else good)(name, conn)
    with pytest.raises(DownloadError):
        download(server, folder)
    assert [p.name for p in folder.iterdir()] == [FILES[0]]
    server.behaviour, server.requests = good, []
    download(server, folder)
    assert server.requests == [FILES[1], FILES[2]]


# ---------------------------------------------------------------- checksums
def wrong_etag(name, conn):
    send_file(conn, csv_body(name), ETag=f'"{"a" * 64}"')


def wrong_linked_etag(name, conn):
    if name.startswith("cdn-"):
        send_file(conn, csv_body(name.removeprefix("cdn-")))
    else:
        send_head(conn, "302 Found", Location=f"cdn-{name}", Content_Length=0, X_Linked_Etag=f'"{"b" * 64}"')


@pytest.mark.parametrize(("behaviour", "published"), [(wrong_etag, "a" * 64), (wrong_linked_etag, "b" * 64)])
def test_a_body_that_does_not_match_the_published_sha256_is_not_kept(server, folder, behaviour, published):
    server.behaviour = behaviour
    message = fails(server, folder)
    assert f"differs from the {published} the server published" in message
    assert hashlib.sha256(csv_body(FILES[0])).hexdigest() in message


def test_only_a_64_hex_etag_counts_as_a_sha256():
    assert sha256_in_etag('"' + "AB" * 32 + '"') == "ab" * 32
    assert sha256_in_etag('W/"' + "cd" * 32 + '"') == "cd" * 32
    for not_a_sha256 in (None, "", '"7b2e21e16d8803ced5e632e2f654200194bd21fc"', '"5f3a-1b2c"', '"' + "g" * 64 + '"'):
        assert sha256_in_etag(not_a_sha256) is None


# ---------------------------------------------------------------- not a CSV
@pytest.mark.parametrize(("content_type", "body"), [
    ("text/html; charset=utf-8", b"<html><body>Please sign in</body></html>"),
    ("text/plain", b"  <!DOCTYPE html>\n<title>Sign in</title>"),
    ("text/csv", b"\xef\xbb\xbf<html lang=en>Error 500</html>"),
])
def test_a_web_page_is_refused(server, folder, content_type, body):
    server.behaviour = lambda name, conn: send_file(conn, body, content_type=content_type)
    assert "answered with a web page" in fails(server, folder)


def test_a_csv_without_the_data_sets_columns_is_refused(server, folder):
    server.behaviour = lambda name, conn: send_file(conn, b"id,body\n1,hello\n")
    assert "first line 'id,body' has no transcript_id or text column" in fails(server, folder)


def test_an_empty_file_is_refused(server, folder):
    server.behaviour = lambda name, conn: send_file(conn, b"")
    assert "empty file" in fails(server, folder)


# ---------------------------------------------------------------- not HTTP, errors, nobody there
@pytest.mark.parametrize(("behaviour", "expected"), [
    (lambda name, conn: conn.sendall(b"garbage\r\n\r\n"), "not valid HTTP (BadStatusLine)"),
    (lambda name, conn: conn.sendall(b"HTTP/1.1 200 OK\r\n" + b"X-Long: " + b"x" * 70_000 + b"\r\n\r\n"),
     "not valid HTTP (LineTooLong)"),
    (lambda name, conn: None, "closed the connection without answering"),
    (lambda name, conn: send_file(conn, b"missing", status="404 Not Found"), "answered HTTP 404 Not Found"),
    (lambda name, conn: send_file(conn, b"boom", status="500 Internal Server Error"), "answered HTTP 500"),
    (lambda name, conn: send_head(conn, "302 Found", Location=name, Content_Length=0), "redirected in a loop"),
])
def test_a_broken_answer_is_a_download_error_not_a_traceback(server, folder, behaviour, expected):
    server.behaviour = behaviour
    assert expected in fails(server, folder)


def test_a_refused_connection_says_the_machine_looks_offline(folder):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(DownloadError, match="looks offline"):
        download_dataset(folder, base_url=f"http://127.0.0.1:{port}")


# ---------------------------------------------------------------- schemes
@pytest.mark.parametrize("url", ["file:///etc", "ftp://example.org/data", "data:text/csv,transcript_id", "/etc"])
def test_only_web_addresses_are_downloaded(folder, url):
    with pytest.raises(DownloadError, match="only http:// and https:// addresses can be downloaded"):
        download_dataset(folder, base_url=url)
    assert not folder.exists()


@pytest.mark.parametrize("location", ["file:///etc/passwd", "ftp://127.0.0.1/data.csv"])
def test_a_redirect_to_another_scheme_is_refused(server, folder, location):
    server.behaviour = lambda name, conn: send_head(conn, "302 Found", Location=location, Content_Length=0)
    message = fails(server, folder)
    assert f"{location}: only http:// and https:// addresses can be downloaded" in message


def test_the_cli_shows_a_hostile_answer_as_one_line(server, folder, capsys):
    server.behaviour = lambda name, conn: send_file(conn, b"<html>Sign in</html>", content_type="text/html")
    assert main(["download", "--out", str(folder), "--url", server.url]) == 2
    err = capsys.readouterr().err
    assert "answered with a web page" in err and "Traceback" not in err
    assert list(folder.iterdir()) == []
