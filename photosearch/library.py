"""The Library service: the one front door through which the CLI, the desktop app and the indexer use a library.

A library is one database file. `Library.open(db)` gives an object that owns

* the store (one SQLite connection, used under one lock, so the object may be shared between a GUI thread
  and worker threads; `connect()` hands a worker such as the indexer a connection of its own),
* the rule that picks the model a library searches and indexes with,
* the encoders, created lazily and shared: indexing and searching with the same model use one `Encoder`,
  whose towers load independently (a first text query loading an LLM never stalls indexing),
* search, status, folders with their exclusions, and near-duplicates.

Every failure a user can cause is a `photosearch.errors.PhotoSearchError` with a one-line message. Downloads
and model loads report to the library's `progress` callback (the one protocol of `photosearch.progress`).
The records it returns (`Folder`, `LibraryStatus`, `ModelState`, `PhotoDetails`...) are in `library_records.py`
and re-exported here.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from photosearch.errors import InvalidInput, LibraryReadOnly, NothingIndexed, PhotoSearchError
from photosearch.catalog import default_model
from photosearch.factory import canonical_spec, validate_device
from photosearch.lazy_encoder import LazyEncoder
from photosearch.library_records import (  # re-exported: front ends import them from here
    DuplicateReport,
    FileError,
    Folder,
    FolderChange,
    LibraryStatus,
    ModelState,
    PhotoDetails,
    RemovedModel,
    TextState,
)
from photosearch.lease import lease_holder
from photosearch.pathtext import display_path
from photosearch.progress import Control, ProgressCallback
from photosearch.store import FileStatus, ModelRecord, Root, Store, wall_clock_datetime

READ_TEXT_SETTING = "read_text"  # "0": indexers do not read the words inside photos

if TYPE_CHECKING:  # torch and the encoders load when a model is first needed, not when a library opens
    from photosearch.encoders.base import Encoder
    from photosearch.text_search import PhotoText
    from photosearch.search import SearchOutcome, SearchRequest, Searcher


class Library:
    """One library file, as every front end uses it. Open with `Library.open()`; close with `close()`/`with`."""

    def __init__(self, store: Store, *, device: str | None = None, progress: ProgressCallback | None = None) -> None:
        self._store = store
        self.path = store.path
        self.device = validate_device(device)
        self.progress = progress
        self._lock = threading.RLock()
        self._encoders: dict[str, "Encoder"] = {}
        self._searchers: dict[str, "Searcher"] = {}

    @classmethod
    def open(
        cls, db: str | os.PathLike[str] | None = None, *, device: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> "Library":
        """`db` beats $PHOTOSEARCH_DB beats the user data folder. Raises `LibraryError` subclasses."""
        validate_device(device)  # before touching any file
        return cls(Store.open(db), device=device, progress=progress)

    @property
    def read_only(self) -> bool:
        """The library cannot be written here (a backup disk, a read-only share, folder or file): search and status
        work, indexing and folder changes do not."""
        return self._store.read_only

    def check_writable(self) -> None:
        """Raise `LibraryReadOnly`, saying what still works, when the library cannot be written here."""
        if self.read_only:
            raise LibraryReadOnly(
                f"the library {self.path} is read-only here (a read-only disk, folder or file): searching and "
                "status work, indexing needs write access")

    def connect(self) -> Store:
        """A Store of its own on the same file, for a worker that writes (the indexer's writer thread)."""
        self.check_writable()
        return Store.open(self.path)

    def close(self) -> None:
        with self._lock:
            self._searchers.clear()
            self._store.close()

    def __enter__(self) -> "Library":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- folders --------------------------------------------------------------------------------------------
    def folders(self) -> list[Folder]:
        with self._lock:
            counts = self._store.root_counts()
            return [self._folder(r, counts) for r in self._store.roots()]

    def _folder(self, root: Root, counts: dict[int, dict[FileStatus, int]]) -> Folder:
        return Folder(root.path, root.excluded, counts.get(root.id, {s: 0 for s in FileStatus}), root.last_scan_ok)

    def add_folder(
        self, path: str | os.PathLike[str], exclude: tuple[str, ...] | list[str] = (),
        include: tuple[str, ...] | list[str] = (),
    ) -> FolderChange:
        """Add a folder (or change the exclusions of one already added).

        Exclusions accumulate: `exclude` adds subfolders to skip, `include` takes exclusions back. Relative
        exclusions are taken under the folder. An exclusion outside the folder is an error; one that matches
        nothing on disk, or an `include` that was not excluded, is done but comes back as a warning.
        """
        root = Path(path).expanduser().resolve()
        if not root.is_dir():
            raise InvalidInput(f"{display_path(root)} is not a folder" + ("" if root.exists() else " (it does not exist)"))
        add, remove = self._under(root, exclude), self._under(root, include)
        warnings = [f"{display_path(p)} does not exist (yet); it is excluded anyway" for p in add if not os.path.isdir(p)]
        with self._lock:
            existing = self._store.root_by_path(root)
            before = set(existing.excluded) if existing else set()
            warnings += [f"{display_path(p)} was not excluded" for p in remove if p not in before]
            after = (before | set(add)) - set(remove)
            with self._store.write_batch():
                record = self._store.add_root(root, sorted(after))
                if existing is not None and after != before:
                    record = self._store.set_root_excluded(record.id, sorted(after))
            folder = self._folder(record, self._store.root_counts())
        return FolderChange(
            folder, existing is None, tuple(sorted(set(after) - before)), tuple(sorted(before - set(after))),
            tuple(warnings),
        )

    @staticmethod
    def _under(root: Path, paths: tuple[str, ...] | list[str]) -> list[str]:
        out = []
        for p in paths:
            full = Path(p).expanduser()
            full = (full if full.is_absolute() else root / full).resolve()
            if full == root or root not in full.parents:
                raise InvalidInput(f"{display_path(full)} is not a subfolder of {display_path(root)}")
            out.append(str(full))
        return out

    def remove_folder(self, path: str | os.PathLike[str]) -> int:
        """Forget a folder and its files (the photos themselves are untouched); returns how many files."""
        root = Path(path).expanduser().resolve()
        with self._lock:
            record = self._store.root_by_path(root)
            if record is None:
                known = ", ".join(display_path(r.path) for r in self._store.roots()) or "none"
                raise InvalidInput(f"{display_path(root)} is not a folder of this library (its folders: {known})")
            return self._store.remove_root(record.id)

    # -- models ---------------------------------------------------------------------------------------------
    def _require_indexed(self) -> list[ModelRecord]:
        """The models with a spec; NothingIndexed when there is nothing to search."""
        if not self._store.roots():
            raise NothingIndexed("the library has no folders yet: add one (`photosearch add FOLDER`), then index it")
        models = [m for m in self._store.models() if m.spec]
        if not models or not self._store.counts().by_status[FileStatus.INDEXED]:
            raise NothingIndexed("nothing is indexed yet: index the library first (`photosearch index`)")
        return models

    def search_model(self, requested: str | None = None) -> str:
        """The spec a search uses: `requested`, else the newest model that has embedded every photo (while
        another model backfills, searches keep seeing the whole library), else the newest model."""
        with self._lock:
            models = self._require_indexed()
            if requested:
                return canonical_spec(requested)
            done = [m for m in models if not self._store.missing_embeddings(m.model_id, limit=1)]
            return (done or models)[-1].spec

    def model_specs(self) -> list[str]:
        """The models this library has vectors of (oldest first), as specs."""
        with self._lock:
            return [m.spec for m in self._store.models() if m.spec]

    def index_model(self, requested: str | None = None) -> str:
        """The spec indexing uses: `requested`, else the model the library was last indexed with, else the
        default for this library's device (`catalog.default_model`). A new model backfills beside the old one."""
        if requested:
            return canonical_spec(requested)
        specs = self.model_specs()
        return specs[-1] if specs else default_model(self.device)

    def remove_model(self, model: str, *, force: bool = False, program: str = "photosearch models remove") -> RemovedModel:
        """Drop a model and all its vectors; `model` is a model id (as `status` shows it) or a spec.

        The photos stay indexed for the other models. Refused (`InvalidInput`) when the model holds the library's
        only vectors unless `force`: without them nothing can be searched until every photo is embedded again,
        hours on a CPU, which a person asking to "remove a model" does not expect. A model with no vectors (one
        that never loaded) always goes. Takes the indexer lease for the moment it needs, so it is refused
        (`IndexingElsewhere`) while `photosearch watch`, the app or an `index` run indexes the library.
        """
        from photosearch.lease import IndexerLease

        self.check_writable()
        with IndexerLease.acquire(self.path, program), self._lock:
            record = self._find_model(model)
            embedded = self._store.counts().embedded_by_model
            mine = embedded.pop(record.model_id, 0)
            others = sum(1 for n in embedded.values() if n)
            if mine and not others and not force:
                raise InvalidInput(
                    f"{record.spec or record.model_id} holds the only vectors of this library ({mine} photos): without "
                    "them nothing can be searched until every photo is embedded again; index with another model "
                    "first, or remove it anyway with --force"
                )
            self._store.remove_model(record.model_id)
            self._searchers.pop(record.model_id, None)
            if self._encoders.get(record.spec) is not None and self._encoders[record.spec].model_id == record.model_id:
                del self._encoders[record.spec]
        return RemovedModel(record.model_id, record.spec, mine, others)

    def _find_model(self, model: str) -> ModelRecord:
        models = self._store.models()
        found = next((m for m in models if model in (m.model_id, m.spec)), None)
        if found is None:
            try:
                spec = canonical_spec(model)
            except PhotoSearchError:
                spec = None
            found = next((m for m in models if spec and m.spec == spec), None)
        if found is None:
            known = ", ".join(f"{m.model_id} ({m.spec})" if m.spec else m.model_id for m in models) or "none"
            raise InvalidInput(f"this library has no model {model!r} (its models: {known})")
        return found

    def encoder(self, spec: str, control: Control | None = None) -> "Encoder":
        """The library's encoder for `spec` (created, and downloaded if need be, on first use)."""
        from photosearch.factory import create_encoder

        spec = canonical_spec(spec)
        with self._lock:
            encoder = self._encoders.get(spec)
        if encoder is None:
            encoder = create_encoder(spec, device=self.device, progress=self.progress, control=control)
            with self._lock:
                encoder = self._encoders.setdefault(spec, encoder)
        return encoder

    def _record_encoder(self, record: ModelRecord) -> "Encoder":
        """The encoder behind an indexed model. A preset name that moved to other weights (`llm2clip-8b` left
        the HF OpenAI-L layout for EVA02-L) is tried as what it meant before, so a library indexed with it keeps
        searching its vectors: downloaded former meanings first, then the name's current one, then the rest.
        The first whose model id is the record's wins; else the current one (the caller names the mismatch)."""
        from photosearch.factory import former_specs

        here, elsewhere = former_specs(record.spec)
        current = None
        for spec in [*here, record.spec, *elsewhere]:
            encoder = self.encoder(spec)
            if encoder.model_id == record.model_id:
                return encoder
            current = encoder if spec == record.spec else current
        return current

    # -- search ---------------------------------------------------------------------------------------------
    def searcher(self, model: str | None = None) -> "Searcher":
        from photosearch.search import Searcher

        spec = self.search_model(model)
        with self._lock:
            encoder = self._encoders.get(spec)
            record = next((m for m in reversed(self._store.models()) if m.spec == spec), None)
        if record is not None and (encoder is None or encoder.model_id == record.model_id):
            # no torch until a query needs a tower: repeated queries, indexed photos and (with the model's quick
            # export) new texts are answered without; an encoder the indexer loaded here is shared, not rebuilt
            encoder = LazyEncoder(record.model_id, record.dim, spec, lambda: self._record_encoder(record),
                                  loaded=encoder)
        elif encoder is None:
            encoder = self.encoder(spec)
        with self._lock:
            searcher = self._searchers.get(encoder.model_id)
            if searcher is None:
                searcher = self._searchers[encoder.model_id] = Searcher(self._store, encoder, lock=self._lock)
        return searcher

    def prepare_quick_text(self, model: str | None = None, announce: Callable[[], None] | None = None) -> bool:
        """After a search loaded the model's text tower (torch), export it so that later processes answer new
        text queries without torch (`photosearch.quick_text`): seconds, once per model. `announce` runs just
        before that wait; False when there was nothing to do."""
        encoder = self.searcher(model).encoder
        return isinstance(encoder, LazyEncoder) and encoder.prepare_quick_text(announce) is not None

    def search(self, request: "SearchRequest", model: str | None = None) -> "SearchOutcome":
        """Results plus, every time, what happened to each query text (tokens, kept, cut)."""
        return self.searcher(model).search(request)

    def duplicates(self, threshold: float = 0.95, model: str | None = None) -> DuplicateReport:
        """Groups of near-duplicate photos from the stored vectors (no model is loaded). The O(N^2) pairing
        runs outside the library's lock, so searches and status answer meanwhile."""
        from photosearch.duplicates import files_of_groups, group_keys, vectors_of

        if not 0 < threshold <= 1:
            raise InvalidInput(f"the similarity threshold is in (0, 1], not {threshold}")
        with self._lock:
            spec = self.search_model(model)
            record = next((m for m in self._store.models() if m.spec == spec), None)
        model_id = record.model_id if record else self.encoder(spec).model_id  # towers load lazily: cheap
        with self._lock:
            keys, mat = vectors_of(self._store, model_id)
        groups = group_keys(keys, mat, threshold)
        with self._lock:
            return DuplicateReport(model_id, files_of_groups(self._store, groups))

    # -- photos ---------------------------------------------------------------------------------------------
    def photo_details(self, path: str | os.PathLike[str]) -> PhotoDetails | None:
        with self._lock:
            rec = self._store.file_by_path(path)
            meta = self._store.photo_meta(rec.id) if rec else None
        if rec is None:
            return None
        camera = " ".join(x for x in (meta.camera_make, meta.camera_model) if x) if meta else ""
        gps = (meta.gps_lat, meta.gps_lon) if meta and meta.gps_lat is not None and meta.gps_lon is not None else None
        return PhotoDetails(
            path=rec.path, size=rec.size, status=rec.status, file_type=meta.file_type if meta else None,
            width=meta.width if meta else None, height=meta.height if meta else None,
            taken_at=wall_clock_datetime(meta.taken_at) if meta and meta.taken_at is not None else None,
            taken_at_source=meta.taken_at_source if meta else None, camera=camera or None, gps=gps,
        )

    def photo_text(self, path: str | os.PathLike[str]) -> "PhotoText | None":
        """The words read in a photo (lines with boxes in displayed pixels, and its text for "copy text"); None
        when the photo is not in the library or its text has not been read yet. `PhotoText.highlights(words)`
        gives the boxes of a search result's `matched` words."""
        from photosearch.text_search import PhotoText

        with self._lock:
            rec = self._store.file_by_path(path)
            result = self._store.text_result(rec.key) if rec is not None and rec.key is not None else None
        if rec is None or result is None:
            return None
        return PhotoText(rec.path, result.status, result.lines, result.engine, result.error)

    @property
    def reads_text(self) -> bool:
        """Whether indexing reads the words inside photos (a library setting, on unless turned off)."""
        with self._lock:
            return self._store.setting(READ_TEXT_SETTING) != "0"

    def set_reads_text(self, on: bool) -> None:
        """The app's toggle: every indexer of this library (app, `photosearch watch`, `index`) follows it from its
        next start; what was read stays searchable."""
        self.check_writable()
        with self._lock:
            self._store.set_setting(READ_TEXT_SETTING, "1" if on else "0")

    def _text_state(self) -> TextState:
        from photosearch.errors import OcrUnavailable
        from photosearch.ocr import engine_version

        enabled = self._store.setting(READ_TEXT_SETTING) != "0"
        try:
            engine = engine_version()
        except OcrUnavailable as e:
            p = self._store.text_progress("")
            return TextState(enabled, 0, p.total, 0, 0, None, str(e))
        p = self._store.text_progress(engine)
        return TextState(enabled, p.read, p.total, p.with_text, p.failed, engine)

    def report_missing(self, path: str | os.PathLike[str]) -> bool:
        """A front end found a result's file gone: mark it missing now rather than at the next scan (only if it
        really is gone: an unplugged drive's root check belongs to the indexer)."""
        if self.read_only or os.path.lexists(path):
            return False
        with self._lock:
            return bool(self._store.mark_missing([path]))

    def filter_choices(self) -> tuple[list[str], list[str]]:
        """(cameras, file types) present among indexed photos, most common first."""
        with self._lock:
            return self._store.distinct_values()

    # -- status ---------------------------------------------------------------------------------------------
    def status(self, errors: int = 20) -> LibraryStatus:
        if errors < 0:
            raise InvalidInput(f"the number of errors to list cannot be negative ({errors})")
        with self._lock:
            counts = self._store.counts()
            states = [
                ModelState(m.model_id, m.spec, m.dim, counts.embedded_by_model.get(m.model_id, 0),
                           not self._store.missing_embeddings(m.model_id, limit=1))
                for m in self._store.models()
            ]
            try:
                search_model: str | None = self.search_model()
            except NothingIndexed:
                search_model = None
            return LibraryStatus(
                db=self.path,
                folders=self.folders(),
                files=counts.by_status,
                models=states,
                errors=[FileError(e.path, e.error or "") for e in self._store.errors(limit=errors)],
                error_count=counts.by_status[FileStatus.ERROR],
                search_model=search_model,
                indexing=lease_holder(self.path),
                read_only=self.read_only,
                text=self._text_state(),
            )
