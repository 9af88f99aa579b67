"""Fetching the public Anthropic Interviewer data set (CC-BY) into a folder.

The three CSVs come from the data set's own location on Hugging Face. Each is written to a temporary file
and renamed when complete, so an interrupted download never leaves a truncated CSV behind.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from core.errors import DownloadError, OutputError

DATASET_URL = "https://huggingface.co/datasets/Anthropic/AnthropicInterviewer/resolve/main/interview_transcripts"
FILES = ("workforce_transcripts.csv", "creatives_transcripts.csv", "scientists_transcripts.csv")
ENV_URL = "THEMESCOPE_DATASET_URL"


def download_dataset(folder: str | Path, *, base_url: str | None = None, timeout: float = 30,
                     force: bool = False, on_file: Callable[[str, int], None] | None = None) -> list[Path]:
    """Download the three CSVs into `folder`; files already there are kept unless `force`.

    Raises DownloadError with a plain explanation when the machine is offline or the server refuses, and
    OutputError when `folder` cannot be written.
    """
    base_url = (base_url or os.environ.get(ENV_URL) or DATASET_URL).rstrip("/")
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create the folder for the data set ({exc.strerror or exc})",
                          hint="choose a folder you can write to") from None
    written = []
    for name in FILES:
        target = folder / name
        if target.exists() and target.stat().st_size > 0 and not force:
            written.append(target)
            continue
        size = _fetch(f"{base_url}/{name}", target, timeout)
        if on_file:
            on_file(name, size)
        written.append(target)
    return written


def _fetch(url: str, target: Path, timeout: float) -> int:
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            shutil.copyfileobj(response, out, length=1 << 20)
        size = Path(temporary).stat().st_size
        if size == 0:
            raise DownloadError(f"{url} answered with an empty file", hint="try again later")
        os.replace(temporary, target)
        return size
    except urllib.error.HTTPError as exc:
        raise DownloadError(f"{url} answered HTTP {exc.code} {exc.reason}; the data set may have moved",
                            hint=f"set {ENV_URL} (or --url) to its new location") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(f"cannot reach {url} ({reason}). This machine looks offline",
                            hint="download the three CSVs elsewhere into a folder and pass it with --data") from None
    finally:
        Path(temporary).unlink(missing_ok=True)
