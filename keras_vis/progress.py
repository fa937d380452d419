"""A dependency-free progress display for long work (decoding, generating, scanning)."""

from __future__ import annotations

import sys
import time


class Progress:
    """Counts finished items and redraws one line on stderr, at most ten times a second.

    On a terminal the line is redrawn in place; elsewhere (CI logs) one line is printed per
    10% so logs stay short. ``quiet=True`` prints nothing.

    Example:
    >>> with Progress(3, "decoding", quiet=True) as bar:
    ...     for _ in range(3):
    ...         bar.advance()
    """

    def __init__(self, total: int, label: str, quiet: bool = False, stream=None):
        self.total = max(int(total), 0)
        self.label = label
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.done = 0
        self._start = time.monotonic()
        self._last_draw = 0.0
        self._last_decile = -1
        self._tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def advance(self, n: int = 1, note: str = "") -> None:
        self.done += n
        if self.quiet:
            return
        now = time.monotonic()
        if self._tty:
            if now - self._last_draw >= 0.1 or self.done >= self.total:
                self._last_draw = now
                self.stream.write("\r" + self._line(note))
                self.stream.flush()
        else:
            decile = (10 * self.done) // self.total if self.total else 10
            if decile != self._last_decile:
                self._last_decile = decile
                self.stream.write(self._line(note) + "\n")
                self.stream.flush()

    def close(self) -> None:
        if not self.quiet and self._tty:
            self.stream.write("\n")
            self.stream.flush()

    def _line(self, note: str) -> str:
        elapsed = time.monotonic() - self._start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        width = 24
        filled = width * self.done // self.total if self.total else width
        bar = "#" * filled + "." * (width - filled)
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        text = (
            f"{self.label} [{bar}] {self.done}/{self.total} "
            f"{rate:.1f}/s {elapsed:.0f}s elapsed, {eta:.0f}s left"
        )
        return f"{text} {note}".rstrip()
