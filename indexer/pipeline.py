"""The index run: decode photos in parallel, embed them in batches, commit each batch in one transaction.

Stages::

    plan (store reads) -> decode threads (a few batches ahead) -> encoder (caller's thread) -> writer thread

* **Plan.** Pending files (new or changed, plus failed ones whose `retry_after` has passed), then
  the backfill queue: indexed contents the current model has no vector for (after a model switch,
  or a crash between a file being indexed and its vector written). Content that already has this
  model's vector is not decoded at all: only its header is read for the metadata.
* **Decode** (`prepare`) runs `load_image` and the encoder's own transform in worker threads and
  turns every failure into a reason string, so a bad file never stops the run. It also re-stats
  the file: one that changed since the scan is re-hashed so its vector lands on the right content
  key, one that changes while being read is treated as still being written.
* **Encode** runs in the thread that called `run`, one batch at a time.
* **Write.** One writer thread owns the Store for the run and commits each batch in a single
  transaction: photo metadata, vectors, `indexed` statuses and error reasons together. A crash at
  any point leaves whole batches; the next run re-plans from the database, and since files are
  unique by path and vectors by (model, content), redoing a batch cannot duplicate anything.

Threads, not processes. Measured on the 2-core CI-class machine this was written on, 100 generated
2000x1500 JPEGs (~0.9 MB each, page cache warm), the tiny Long-CLIP test encoder (32 px input);
other jobs shared the machine, so rates vary by +-25 % between runs:

* time per photo, one thread: decode 11.5-13 ms (`load_image`, JPEG draft decoding to 1/8 scale),
  transform 0.8 ms (3.5 ms at 224 px), tiny encoder 0.2-4 ms (batches of 32). Decoding is the cost.
* decode + transform rate: 1 thread 81/s, 2 threads 162/s, 3-4 threads 152-155/s. PIL's decoder
  and resize release the GIL, so threads scale to the core count.
* spawn process pool: 2 processes 123/s, 3 processes 72/s at 32 px, and only 27/s at 224 px
  (tensors are pickled back through a pipe, and each worker's own torch threads compete for the
  cores); each pool start costs 3.7-12 s since every worker imports torch - paid on every `run`,
  and the watcher starts a run for a single new photo.
* this pipeline end to end (scan excluded): workers=1 75-79 photos/s, workers=2 96-145 photos/s
  (typically ~125; decode+transform ~14 ms of thread time per photo, encode ~1-4 ms per photo),
  workers=3 50-112 photos/s (oversubscribed: the encoder's torch threads want the cores too).

So threads, one per core: the same decode rate as processes with no start-up cost, no pickling and
no shared-memory plumbing. `prepare` is a plain picklable top-level function should a many-core
machine ever want a process pool.
"""
from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator

import numpy as np

from photosearch.hashing import quick_hash
from photosearch.images import ImageError, TruncatedImage, UnreadableFile, load_image, read_metadata
from photosearch.progress import Control, Phase, Progress, ProgressCallback, RateMeter, Unit
from photosearch.store import PhotoMeta, Store

from indexer.files import stat_key
from indexer.meta import to_photo_meta

if TYPE_CHECKING:  # torch loads with a model, not with the pipeline (the app starts without it)
    from photosearch.encoders.base import Encoder

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PipelineConfig:
    batch_size: int = 32  # photos per encoder call and per commit
    workers: int = 0  # decode threads; 0 = one per CPU core
    prefetch_batches: int = 2  # how many batches decoding may run ahead of the encoder
    truncated_retry_s: int = 600  # a truncated file modified recently is retried after this long
    recent_s: int = 24 * 3600  # "recently modified": probably a copy or upload still in progress
    model_spec: str = ""  # stored with the model on first registration; default: the encoder's own spec


@dataclass(frozen=True)
class Job:
    """One file to read. `embed`: the model lacks this content. `backfill`: only the vector is wanted."""

    file_id: int
    root_id: int
    path: str
    size: int
    mtime_ns: int
    key: int | None
    quick_hash: str | None
    embed: bool
    backfill: bool = False


@dataclass
class Prepared:
    """What a decode worker made of a job: pixels and/or metadata, or the reason it failed."""

    job: Job
    pixels: Any = None  # CHW tensor from the encoder's transform
    meta: PhotoMeta | None = None
    error: str | None = None
    retry_after: int | None = None
    changed: os.stat_result | None = None  # the file differs from the scan's record: this is what was read
    new_hash: str | None = None
    skip: bool = False  # gone, or a backfill whose file changed: left for the next scan to sort out


@dataclass
class RunResult:
    model_id: str
    total: int = 0
    done: int = 0  # jobs finished, whatever their outcome
    indexed: int = 0  # files that became `indexed`
    embedded: int = 0  # vectors written
    failed: int = 0
    skipped: int = 0
    cancelled: bool = False
    elapsed_s: float = 0.0  # the whole run, model loading included
    photos_per_s: float | None = None  # what the last progress report said: decoding to writing, pauses left out


def plan_jobs(store: Store, model_id: str) -> list[Job]:
    """Everything this run should do, read up front so the writer thread can own the Store later."""
    jobs: list[Job] = []
    for rec in store.files_to_index():
        embed = rec.key is None or not store.has_embedding(model_id, rec.key)
        jobs.append(Job(rec.id, rec.root_id, rec.path, rec.size, rec.mtime_ns, rec.key, rec.quick_hash, embed))
    queued = {j.key for j in jobs if j.embed}
    for ej in store.missing_embeddings(model_id):
        rec = store.file(ej.file_id)
        if ej.key in queued or rec is None:
            continue
        jobs.append(Job(rec.id, rec.root_id, rec.path, rec.size, rec.mtime_ns, ej.key, rec.quick_hash, True, True))
    return jobs


def prepare(job: Job, transform: Callable[[Any], Any], target: int, config: PipelineConfig) -> Prepared:
    """Read one file. Never raises: every failure becomes `error` (and maybe `retry_after`)."""
    out = Prepared(job)
    try:
        before = os.stat(job.path)
    except FileNotFoundError:  # deleted, or its drive unplugged, since the scan: the next scan decides
        out.skip = True
        return out
    except OSError as e:
        out.error = f"cannot read file: {e.strerror or e}"
        return out
    changed = (before.st_size, before.st_mtime_ns) != (job.size, job.mtime_ns) or job.quick_hash is None
    if changed and job.backfill:
        out.skip = True
        return out
    try:
        if job.embed or changed:
            loaded = load_image(job.path, target)
            out.pixels = transform(loaded.image)
            meta = loaded.metadata
        else:
            meta = read_metadata(job.path)
        if stat_key(os.stat(job.path)) != stat_key(before):
            raise TruncatedImage("the file changed while it was read (still being written?)", job.path)
        out.meta = to_photo_meta(job.path, meta)
        if changed:
            out.changed, out.new_hash = before, quick_hash(job.path)
    except ImageError as e:
        out.pixels = None
        if isinstance(e, UnreadableFile) and not os.path.lexists(job.path):
            out.skip = True  # vanished while we read it
            return out
        out.error = e.reason
        recent = time.time() - before.st_mtime < config.recent_s
        if isinstance(e, TruncatedImage) and recent:
            out.retry_after = int(time.time()) + config.truncated_retry_s
    except FileNotFoundError:  # deleted while we read it (re-stat or hash): the next scan sees it gone
        return Prepared(job, skip=True)
    except OSError as e:
        out.pixels = None
        out.error = f"cannot read file: {e.strerror or e}"
    except Exception as e:  # noqa: BLE001 - a bug in a codec must cost one photo, not the run
        log.exception("unexpected error reading %s", job.path)
        out.pixels = None
        out.error = f"unexpected error: {type(e).__name__}: {e}"
    return out


def _export_quick_text(encoder: "Encoder") -> None:
    """Export the text tower for torch-free queries (`photosearch.quick_text`) while it is loaded anyway: ~3 s
    once per model for ViT-B/32's, so that even the first CLI text query skips torch. Reported like a tower
    load, through the encoder's own progress."""
    from photosearch.quick_text.export import ensure_export

    what = f"quick text copy of {encoder.spec or encoder.model_id}"
    report = encoder.progress
    if ensure_export(encoder, lambda: report and report(Progress(Phase.LOAD, 0, 1, Unit.STEPS, current=what))):
        if report:
            report(Progress(Phase.LOAD, 1, 1, Unit.STEPS, current=what))


class Pipeline:
    """Indexes what the store says is pending, with one encoder (one model)."""

    def __init__(self, store: Store, encoder: Encoder, config: PipelineConfig = PipelineConfig()) -> None:
        self.store = store
        self.encoder = encoder
        self.config = config

    def run(self, progress: ProgressCallback | None = None, control: Control | None = None) -> RunResult:
        """Index pending files and backfill this model; returns when done or cancelled.

        The Store must not be used by anyone else while this runs (its writer thread owns it);
        other processes and other `Store`s on the same file can read and search meanwhile.
        """
        control = control or Control()
        started = time.monotonic()
        spec = self.config.model_spec or self.encoder.spec
        model = self.store.model(self.encoder.model_id)
        if model is None:  # recorded only once its towers load and give finite vectors: a broken model is refused
            # without becoming the library's model (`ModelError`, nothing written); meanwhile the text tower,
            # loaded for its probe, leaves the torch-free copy that CLI text queries use (photosearch.quick_text)
            from photosearch.quick_text.runner import has_export

            self.encoder.verify(with_text=_export_quick_text, text_checked=has_export(self.encoder.model_id))
            model = self.store.register_model(self.encoder.model_id, self.encoder.dim, spec)
        jobs = plan_jobs(self.store, model.model_id)
        result = RunResult(model.model_id, total=len(jobs))
        if not jobs or control.cancelled:
            result.cancelled = control.cancelled
            if progress:
                progress(Progress(Phase.INDEX, 0, len(jobs)))
            return result
        target = self.encoder.image_size
        transform = self.encoder.image_transform  # loads the vision tower (its own LOAD progress) before the clock
        writer = _Writer(self.store, model.model_id, result, control, progress)
        writer.start()
        try:
            workers = self.config.workers or os.cpu_count() or 2
            with ThreadPoolExecutor(workers, thread_name_prefix="photosearch-decode") as pool:
                embedded: set[int] = set()
                for batch in self._decoded_batches(pool, jobs, transform, target, control):
                    if not control.wait_if_paused():
                        break
                    writer.put(batch, self._encode(batch, embedded))
        finally:
            writer.close()
        result.cancelled = control.cancelled and result.done < result.total
        result.elapsed_s = time.monotonic() - started
        result.photos_per_s = writer.last.rate if writer.last else None
        log.info(
            "index run %s: %d indexed, %d vectors, %d failed, %d skipped of %d in %.1f s%s", model.model_id,
            result.indexed, result.embedded, result.failed, result.skipped, result.total, result.elapsed_s,
            " (cancelled)" if result.cancelled else "",
        )
        return result

    def _decoded_batches(
        self, pool: ThreadPoolExecutor, jobs: list[Job], transform: Callable[[Any], Any], target: int,
        control: Control,
    ) -> Iterator[list[Prepared]]:
        """Decoded jobs in plan order, in batches; decoding stays `prefetch_batches` ahead."""
        size = self.config.batch_size
        ahead = size * (1 + self.config.prefetch_batches)
        inflight: deque[Future[Prepared]] = deque()
        batch: list[Prepared] = []
        try:
            for job in jobs:
                if control.cancelled:
                    return
                inflight.append(pool.submit(prepare, job, transform, target, self.config))
                while len(inflight) >= ahead:
                    batch.append(inflight.popleft().result())
                    if len(batch) == size:
                        yield batch
                        batch = []
            while inflight and not control.cancelled:
                batch.append(inflight.popleft().result())
                if len(batch) == size:
                    yield batch
                    batch = []
            if batch and not control.cancelled:
                yield batch
        finally:
            for fut in inflight:
                fut.cancel()

    def _encode(self, batch: list[Prepared], embedded: set[int]) -> dict[int, np.ndarray]:
        """Vectors by position in `batch`; content already embedded in this run is not encoded twice."""
        import torch  # only a run that has photos to encode pays for it

        picked: list[int] = []
        for i, p in enumerate(batch):
            if p.pixels is None:
                continue
            known_key = p.job.key if p.new_hash is None else None
            if known_key is not None:
                if known_key in embedded:
                    continue
                embedded.add(known_key)
            picked.append(i)
        if not picked:
            return {}
        vectors = self.encoder.encode_pixels(torch.stack([batch[i].pixels for i in picked]))
        out: dict[int, np.ndarray] = {}
        for i, vector in zip(picked, vectors):
            p = batch[i]
            p.pixels = None  # free the tensors while the batch waits for the writer
            if np.isfinite(vector).all() and np.linalg.norm(vector) > 0.99:
                out[i] = vector
                continue
            # one photo that drives the model to NaN (or to nothing) costs that photo, not the run
            p.error = "the model gave an unusable vector for this photo (NaN, infinite or all zero)"
            if p.job.key is not None:
                embedded.discard(p.job.key)  # a copy of this content in a later batch gets its own try
        return out


class _Writer(threading.Thread):
    """Owns the Store during a run: one transaction per batch, then a progress report."""

    def __init__(
        self, store: Store, model_id: str, result: RunResult, control: Control, progress: ProgressCallback | None
    ) -> None:
        super().__init__(name="photosearch-writer", daemon=True)
        self.store, self.model_id, self.result = store, model_id, result
        self.control, self.progress = control, progress
        self.meter = RateMeter(control)
        self.last: Progress | None = None  # the latest report; the run's summary quotes its rate
        self.error: BaseException | None = None
        self._queue: queue.Queue[tuple[list[Prepared], dict[int, np.ndarray]] | None] = queue.Queue(maxsize=2)

    def put(self, batch: list[Prepared], vectors: dict[int, np.ndarray]) -> None:
        while True:
            if self.error is not None or not self.is_alive():
                raise RuntimeError("the index writer stopped") from self.error
            try:
                self._queue.put((batch, vectors), timeout=0.1)
                return
            except queue.Full:
                continue

    def close(self) -> None:
        """Commit what is queued, stop, and re-raise the writer's error if it had one."""
        while self.is_alive():
            try:
                self._queue.put(None, timeout=0.1)
                break
            except queue.Full:
                continue
        self.join()
        if self.error is not None:
            raise self.error

    def run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self.error is not None:
                continue
            try:
                self.control.wait_if_paused()  # a cancelled run still commits what was already encoded
                self._commit(*item)
            except BaseException as e:  # noqa: BLE001 - handed to the caller's thread by close()
                self.error = e

    def _commit(self, batch: list[Prepared], vectors: dict[int, np.ndarray]) -> None:
        store, r = self.store, self.result
        rows: dict[int, np.ndarray] = {}
        indexed: list[int] = []
        with store.write_batch():
            for i, p in enumerate(batch):
                job = p.job
                if p.skip:
                    r.skipped += 1
                    continue
                if p.error is not None:  # a failed backfill too: shown by `status`, not retried on every run
                    r.failed += 1
                    store.record_error(job.file_id, p.error, p.retry_after)
                    continue
                key = job.key
                if p.changed is None and (rec := store.file(job.file_id)) is not None and rec.key != key:
                    r.skipped += 1  # its content changed since the plan: what we read belongs to none of its rows
                    continue
                if p.changed is not None:  # record what was actually read, under its own content key
                    st = p.changed
                    key = store.upsert_file(
                        job.root_id, job.path, size=st.st_size, mtime_ns=st.st_mtime_ns, inode=st.st_ino,
                        device=st.st_dev, quick_hash=p.new_hash,
                    ).key
                if i in vectors and key is not None:
                    rows[key] = vectors[i]
                if not job.backfill:
                    store.set_photo_meta(job.file_id, p.meta)  # type: ignore[arg-type]
                    indexed.append(job.file_id)
            if rows:
                store.add_embeddings(self.model_id, list(rows.items()))
            store.mark_indexed(indexed)
        r.indexed += len(indexed)
        r.embedded += len(rows)
        r.done += len(batch)
        last = batch[-1].job
        phase = Phase.BACKFILL if last.backfill else Phase.INDEX
        self.last = self.meter.snapshot(phase, r.done, r.total, failed=r.failed, current=last.path)
        if self.progress:
            try:
                self.progress(self.last)
            except Exception:  # noqa: BLE001 - a broken progress display must not stop indexing
                log.exception("progress callback failed")
