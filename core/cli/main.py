"""The `themescope` command: the parser, and the one error boundary every command runs inside.

The commands live one family per module (`scoring`, `workbench`, `report`, `export`); they raise a ThemescopeError
for anything the user can fix, and `main` shows it as `themescope: <message>` plus `Fix: <hint>`, exit 2.
Anything else is a bug: one line naming a log file that holds the traceback, exit 70 (EX_SOFTWARE).
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

from core import __version__
from core.cli import convert, export, report, scoring, workbench
from core.errors import ThemescopeError

EXIT_USER_ERROR, EXIT_BUG, EXIT_INTERRUPTED = 2, 70, 130


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args) or 0
    except ThemescopeError as error:
        print(f"themescope: {error}", file=sys.stderr)
        if error.hint:
            print(f"Fix: {error.hint}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("themescope: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `themescope terms | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as error:
        print(f"themescope: unexpected error ({type(error).__name__}); {_log_crash(argv)}", file=sys.stderr)
        return EXIT_BUG


def run() -> None:
    """The `themescope` command itself (the console script, `python -m core`): `main`, then the process ends.

    What is left is frozen out of the garbage collector first: the interpreter collects garbage again as it
    shuts down, and on a large run that walks every object once more (0.3 s after scoring the public set)
    only to free memory the operating system takes back anyway."""
    code = main()
    gc.freeze()
    sys.exit(code)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="themescope", description="Transparent keyword-codebook analysis "
                                     "of interview transcripts.")
    parser.add_argument("--version", action="version", version=f"themescope {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    scoring.add_commands(commands)
    workbench.add_commands(commands)
    report.add_commands(commands)
    export.add_commands(commands)
    convert.add_commands(commands)
    return parser


def crash_log_folder() -> Path:
    import tempfile  # here and in _log_crash: only a crash needs these, and every command starts through here

    return Path(tempfile.gettempdir()) / "themescope-logs"


def _log_crash(argv: list[str] | None) -> str:
    """Write the traceback being handled to a new log file; the words saying where it is (or, when no log
    can be written, the traceback itself: it must not be lost)."""
    import traceback
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    text = (f"themescope {__version__}, Python {sys.version.split()[0]}, {now.isoformat()}\n"
            f"command: themescope {' '.join(sys.argv[1:] if argv is None else argv)}\n\n{traceback.format_exc()}")
    path = crash_log_folder() / f"{now:%Y%m%dT%H%M%SZ}-{os.getpid()}.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError:
        return "no log could be written, so here are the details:\n" + text
    return f"the details are in {path}"


if __name__ == "__main__":
    run()
