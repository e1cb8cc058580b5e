"""Terminal output: progress for every phase of the one protocol, and paths and results as text or JSON.

On a terminal each phase gets a tqdm bar. Without one (a log file, a pipe, a cron job) bars would run
together in one long line of carriage returns, so one plain line is printed every `interval_s` seconds and
when a phase ends. Rates are the work's own (`Progress.rate`: pauses and model loading left out, and only once
a second of work has passed), never tqdm's, so the bar and the run's summary quote the same figure.
"""
from __future__ import annotations

import sys
import threading
import time
from typing import IO, Any

from photosearch.pathtext import display_path, is_exact_text, path_bytes_b64
from photosearch.progress import Phase, Progress, Unit


def _fmt_eta(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else (
        f"{seconds // 60}:{seconds % 60:02d}")


def _fmt_amount(n: float, unit: Unit) -> str:
    if unit != Unit.BYTES:
        return f"{int(n)}"
    for suffix in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or suffix == "GiB":
            return f"{n:.0f} {suffix}" if suffix == "B" else f"{n:.1f} {suffix}"
        n /= 1024
    return f"{n:.1f} GiB"


def describe(p: Progress) -> str:
    """One line of plain text for a progress report, e.g. `index: 120/500 photos, 6.1 photos/s, ETA 1:02`."""
    if p.phase == Phase.LOAD:
        return f"loading the {p.current} ..." + (" done" if p.finished else "")
    unit = {Unit.PHOTOS: "photos", Unit.FILES: "files", Unit.BYTES: "", Unit.STEPS: "steps",
            Unit.CAPTIONS: "captions"}[p.unit]
    amount = _fmt_amount(p.done, p.unit) + (f"/{_fmt_amount(p.total, p.unit)}" if p.total else "")
    parts = [f"{p.phase.value}: {amount}" + (f" {unit}" if unit else "")]
    if p.items_total:
        parts.append(f"{p.items_done}/{p.items_total} files")
    if p.rate is not None:
        per = _fmt_amount(p.rate, p.unit) + "/s" if p.unit == Unit.BYTES else f"{p.rate:.1f} {unit}/s"
        parts.append(per)
    if p.eta_s is not None and not p.finished:
        parts.append(f"ETA {_fmt_eta(p.eta_s)}")
    if p.loss is not None:
        parts.append(f"loss {p.loss:.4f}")
    if p.failed:
        parts.append(f"{p.failed} {'skipped' if p.phase == Phase.TRAIN else 'failed'}")
    return ", ".join(parts)


class ProgressDisplay:
    """A `ProgressCallback` that draws on stderr; thread-safe. Call `close()` when the work is over."""

    def __init__(self, stream: IO[str] | None = None, *, tty: bool | None = None, interval_s: float = 5.0) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.interval_s = interval_s
        self._lock = threading.Lock()
        self._bar: Any = None
        self._key: tuple[Phase, str | None] | None = None
        self._last_done = 0
        self._last_line = 0.0

    def __call__(self, p: Progress) -> None:
        with self._lock:
            if p.phase == Phase.LOAD:
                self._show_load(p)
            elif self.tty:
                self._draw_bar(p)
            else:
                self._print_line(p)

    def close(self) -> None:
        with self._lock:
            self._close_bar()

    def __enter__(self) -> "ProgressDisplay":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _new_work(self, p: Progress) -> bool:
        """A different phase, or the same phase starting over (the watcher runs many small index runs)."""
        key = (p.phase, p.current if p.phase == Phase.LOAD else None)
        fresh = key != self._key or p.done < self._last_done
        self._key, self._last_done = key, p.done
        return fresh

    def _show_load(self, p: Progress) -> None:
        """A model tower loading: a transient line on a terminal; in a log, a line when it starts and one with
        the time it took (an 8B LLM takes a minute; a tiny model's load is not worth a second line)."""
        self._close_bar()
        if not p.finished:
            self._load_started = time.monotonic()
            self.stream.write(describe(p) + ("\r" if self.tty else "\n"))
        elif self.tty:
            self.stream.write("\r\033[K")
        elif (took := time.monotonic() - getattr(self, "_load_started", time.monotonic())) >= 1.0:
            self.stream.write(f"{describe(p)} ({took:.1f} s)\n")
        self.stream.flush()

    def _print_line(self, p: Progress) -> None:
        now = time.monotonic()
        fresh = self._new_work(p)
        if fresh or p.finished or now - self._last_line >= self.interval_s:
            self._close_bar()
            self.stream.write(describe(p) + "\n")
            self.stream.flush()
            self._last_line = now

    def _draw_bar(self, p: Progress) -> None:
        from tqdm import tqdm

        if self._new_work(p) or self._bar is None:
            self._close_bar()
            byte_unit = p.unit == Unit.BYTES
            self._bar = tqdm(
                total=p.total or None, initial=p.done, desc=p.phase.value, unit=p.unit.value, file=self.stream,
                unit_scale=byte_unit, unit_divisor=1024 if byte_unit else 1000, dynamic_ncols=True,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}{postfix}]"
                if p.total else "{desc}: {n_fmt} {unit} [{elapsed}{postfix}]",
            )
        bar = self._bar
        if p.total and bar.total != p.total:
            bar.total = p.total
        bar.update(p.done - bar.n)
        extra = describe(p).split(", ")[1:]  # the work's own rate, ETA and failures
        bar.set_postfix_str(", ".join(extra), refresh=True)
        if p.finished:
            self._close_bar()

    def _close_bar(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


# -- paths and results ------------------------------------------------------------------------------------
def path_json(path: str) -> dict[str, str]:
    """`{"path": text}`, plus the exact bytes when the name is not valid UTF-8 (see README)."""
    out = {"path": display_path(path)}
    if not is_exact_text(path):
        out["path_bytes_b64"] = path_bytes_b64(path)
    return out
