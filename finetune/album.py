"""A fine-tuning album: captioned photos, each with a language and a fixed train/validation split.

`Album.load` takes a folder (searched recursively for photos, hidden files and folders skipped, captions
read by `finetune.captions.read_captions`) or a CSV/JSONL manifest. Every photo is checked with
`read_metadata` (headers only; `AlbumConfig.verify_pixels` decodes them too), so an unreadable file is
reported before a training run, not an hour into it.

Rules (the tests in tests/finetune/test_album.py pin each one down):

* **Split by content.** A photo is in the validation split when the first 64 bits of its `quick_hash`,
  read as a fraction of 2**64, fall below ``val_fraction``. Copies of one photo (same bytes, any name or
  folder) therefore always land in the same split, and the split of a photo never changes when others
  are added or removed, so validation scores stay comparable across runs.
* **Copies with different captions** (a manifest listing one photo twice, or two copies with their own
  sidecars) are kept as separate items -- they are extra captions of one picture -- and share the photo's
  split. A manifest's ``split`` column overrides the hash for that content; if it puts the same content in
  both splits, loading fails naming both rows, because a validation photo seen in training makes the
  validation score a lie. `check_disjoint` is the same check for splits built elsewhere.
* **Short captions.** A source's own short caption wins (a manifest's ``short_caption``); otherwise it is
  the long caption's first sentence (`finetune.captions.short_caption`).
* **Language.** A manifest's ``lang`` wins; otherwise `finetune.language.detect_language` ("und" when it
  cannot tell).

Problems are counted over the whole album, then reported one kind at a time, with how many and up to
`AlbumConfig.examples` names: missing files (manifests), unreadable photos, caption files that cannot be
read, photos without a caption. With ``strict=False`` such photos are skipped and recorded in
`Album.skipped` instead; an album that is still too small to train on fails either way.
"""

from __future__ import annotations

import os
import stat
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from finetune.captions import (
    CAPTION_SOURCES,
    Captions,
    CaptionSource,
    Split,
    read_captions,
    short_caption,
)
from finetune.language import detect_language
from finetune.manifest import ManifestEntry, read_manifest
from finetune.user_files import show_path
from photosearch.errors import AlbumError
from photosearch.hashing import quick_hash
from photosearch.images import ImageError, is_supported, load_image, read_metadata

__all__ = [
    "Split",
    "AlbumKind",
    "SkipReason",
    "AlbumConfig",
    "AlbumItem",
    "SkippedPhoto",
    "Album",
    "album_source",
    "split_for",
    "check_disjoint",
    "find_photos",
]


class AlbumKind(Enum):
    """What an album was loaded from."""

    FOLDER = "folder"
    MANIFEST = "manifest"


class SkipReason(Enum):
    """Why a photo was left out of an album loaded with ``strict=False``."""

    MISSING = "missing"
    UNREADABLE = "unreadable"
    BAD_CAPTION_FILE = "bad caption file"
    UNCAPTIONED = "uncaptioned"


@dataclass(frozen=True)
class AlbumConfig:
    """Thresholds for a usable album.

    The minimums count distinct photos (contents), not captions: eight captions of one picture teach
    the model one picture. `examples` is how many names an error message lists. `verify_pixels` decodes
    every photo (a small JPEG draft) instead of reading headers only, which also catches files cut off
    after their header, at a few milliseconds per photo.
    """

    val_fraction: float = 0.1
    min_photos: int = 8
    min_train_photos: int = 1
    min_val_photos: int = 1
    examples: int = 3
    verify_pixels: bool = False

    def __post_init__(self) -> None:
        if not 0.0 <= self.val_fraction < 1.0:
            raise AlbumError(f"val_fraction must be at least 0 and below 1, got {self.val_fraction}: pick e.g. 0.1.")
        for name in ("min_photos", "min_train_photos", "min_val_photos"):
            if getattr(self, name) < 0:
                raise AlbumError(f"{name} must not be negative, got {getattr(self, name)}.")
        if self.examples < 1:
            raise AlbumError(f"examples must be at least 1, got {self.examples}.")


@dataclass(frozen=True)
class AlbumItem:
    """One (photo, caption) pair ready for training. `content_hash` is the photo's `quick_hash`."""

    path: Path
    caption: str
    short_caption: str
    lang: str
    source: CaptionSource
    content_hash: str
    split: Split


@dataclass(frozen=True)
class SkippedPhoto:
    """A photo left out (``strict=False``), with the reason and the detail an error would have given."""

    path: Path
    reason: SkipReason
    detail: str


@dataclass(frozen=True)
class Album:
    """A loaded album. Build it with `Album.load`; the items are sorted by path (then manifest line).

    `root` is the folder, or the manifest file, it was loaded from.
    """

    root: Path
    kind: AlbumKind
    config: AlbumConfig
    items: tuple[AlbumItem, ...]
    skipped: tuple[SkippedPhoto, ...] = field(default=())

    @property
    def train(self) -> tuple[AlbumItem, ...]:
        return tuple(i for i in self.items if i.split is Split.TRAIN)

    @property
    def val(self) -> tuple[AlbumItem, ...]:
        return tuple(i for i in self.items if i.split is Split.VAL)

    def photo_count(self, split: Split | None = None) -> int:
        """Distinct photo contents, in one split or overall."""
        return len({i.content_hash for i in self.items if split is None or i.split is split})

    def skipped_counts(self) -> dict[SkipReason, int]:
        """How many photos were skipped per reason (reasons with none are left out)."""
        return dict(Counter(s.reason for s in self.skipped))

    def languages(self) -> dict[str, int]:
        """Captions per language code, most frequent first."""
        return dict(Counter(i.lang for i in self.items).most_common())

    def summary(self) -> str:
        """One line for logs and the UI: sizes, languages and what was skipped."""
        langs = ", ".join(f"{k} {v}" for k, v in self.languages().items())
        line = (
            f"{len(self.items)} captions of {self.photo_count()} photos "
            f"({self.photo_count(Split.TRAIN)} train, {self.photo_count(Split.VAL)} validation; {langs})"
        )
        if self.skipped:
            counts = ", ".join(f"{n} {r.value}" for r, n in self.skipped_counts().items())
            line += f"; skipped {len(self.skipped)} ({counts})"
        return line

    @classmethod
    def load(cls, source: str | os.PathLike[str], config: AlbumConfig | None = None, *, strict: bool = True) -> Album:
        """Load a folder of photos or a ``.csv``/``.tsv``/``.jsonl`` manifest.

        ``strict=False`` skips photos that are missing, unreadable, uncaptioned or whose caption file is
        broken (see `Album.skipped`) instead of failing; the size checks apply either way.
        """
        p = album_source(source)
        if p.is_dir():
            return cls.from_folder(p, config, strict=strict)
        return cls.from_manifest(p, config, strict=strict)

    @classmethod
    def from_folder(
        cls, folder: str | os.PathLike[str], config: AlbumConfig | None = None, *, strict: bool = True
    ) -> Album:
        """Every supported photo under `folder`, captioned from its sidecars or metadata."""
        cfg = config or AlbumConfig()
        root = Path(folder)
        photos = find_photos(root)
        if not photos:
            exts = ", ".join(sorted({"." + e.lstrip(".").lower() for e in _COMMON_EXTS}))
            raise AlbumError(
                f"No photos found in {show_path(root)} (looked for {exts} and other photo types in all subfolders, "
                "hidden ones skipped): pick the folder that holds the album."
            )
        builder = _Builder(root, AlbumKind.FOLDER, cfg)
        for photo in photos:
            builder.add_photo(photo, None)
        return builder.finish(strict)

    @classmethod
    def from_manifest(
        cls, manifest: str | os.PathLike[str], config: AlbumConfig | None = None, *, strict: bool = True
    ) -> Album:
        """The photos a manifest lists, with its captions (paths relative to its folder, or absolute)."""
        cfg = config or AlbumConfig()
        m = Path(manifest)
        builder = _Builder(m, AlbumKind.MANIFEST, cfg)
        for entry in read_manifest(m):
            builder.add_photo(entry.path, entry)
        return builder.finish(strict)


# --------------------------------------------------------------------------- split rules


def album_source(source: str | os.PathLike[str]) -> Path:
    """The album's folder or manifest file, checked to be one (cheap: no photo is read)."""
    p = Path(os.path.expanduser(os.fspath(source)))
    if p.is_dir():
        return p
    if p.is_file() and is_supported(p):
        raise AlbumError(f"{show_path(p)} is a photo, not an album: give the album's folder or its .csv/.jsonl file.")
    if p.is_file():
        return p
    raise AlbumError(
        f"There is no folder or manifest at {show_path(p)}: give the album's folder or its .csv/.jsonl file."
    )


def split_for(content_hash: str, val_fraction: float) -> Split:
    """VAL when the hash's first 16 hex digits, as a fraction of 2**64, are below `val_fraction`."""
    return Split.VAL if int(content_hash[:16], 16) < val_fraction * 2**64 else Split.TRAIN  # int vs float: exact


def check_disjoint(train: Iterable[AlbumItem], val: Iterable[AlbumItem]) -> None:
    """Raise `AlbumError` naming an example when one photo content is in both splits."""
    seen = {i.content_hash: i for i in train}
    for item in val:
        other = seen.get(item.content_hash)
        if other is not None:
            raise AlbumError(
                f"The same photo is in both the training and the validation split ({show_path(other.path)} and "
                f"{show_path(item.path)} have identical content): give all copies of a photo the same split."
            )


# --------------------------------------------------------------------------- finding photos

_COMMON_EXTS = (".jpg", ".jpeg", ".png", ".heic", ".tif", ".webp")


def find_photos(root: str | os.PathLike[str]) -> list[Path]:
    """Supported photos under `root`, recursively, sorted by path (the album's item order); hidden files
    and folders (dot names, or the Windows hidden attribute) are skipped, and symlinked folders are not
    followed (they can loop)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not _hidden(Path(dirpath, d))]
        found.extend(p for p in (Path(dirpath, n) for n in filenames) if is_supported(p) and not _hidden(p))
    return sorted(found, key=str)


def _hidden(p: Path) -> bool:
    if p.name.startswith("."):
        return True
    attrs = getattr(_lstat(p), "st_file_attributes", 0)
    return bool(attrs & getattr(stat, "FILE_ATTRIBUTE_HIDDEN", 0))


def _lstat(p: Path) -> os.stat_result | None:
    try:
        return p.lstat()
    except OSError:
        return None


# --------------------------------------------------------------------------- building


@dataclass
class _Pending:
    path: Path
    captions: Captions
    lang: str | None
    split: Split | None
    content_hash: str
    line: int


class _Builder:
    """Collects photos and problems, then either raises about the first kind of problem or builds the album."""

    def __init__(self, root: Path, kind: AlbumKind, config: AlbumConfig) -> None:
        self.root, self.kind, self.config = root, kind, config
        self.pending: list[_Pending] = []
        self.problems: dict[SkipReason, list[SkippedPhoto]] = {r: [] for r in SkipReason}
        self._checked: dict[Path, str | SkippedPhoto] = {}  # path -> content hash, or why it is unusable
        self._reported: set[tuple[SkipReason, Path]] = set()  # a manifest may list one path many times
        self.rows = 0

    def _report(self, problem: SkippedPhoto) -> None:
        if (problem.reason, problem.path) not in self._reported:
            self._reported.add((problem.reason, problem.path))
            self.problems[problem.reason].append(problem)

    def add_photo(self, path: Path, entry: ManifestEntry | None) -> None:
        self.rows += 1
        checked = self._check_file(path)
        if isinstance(checked, SkippedPhoto):
            self._report(checked)
            return
        if entry is not None:
            captions = (
                Captions(entry.caption, entry.short_caption, CaptionSource.MANIFEST, self.root)
                if entry.caption
                else None
            )
        else:
            try:
                captions = read_captions(path)
            except AlbumError as e:
                self._report(SkippedPhoto(path, SkipReason.BAD_CAPTION_FILE, str(e)))
                return
        if captions is None:
            self._report(SkippedPhoto(path, SkipReason.UNCAPTIONED, "no caption"))
            return
        self.pending.append(
            _Pending(
                path,
                captions,
                entry.lang if entry else None,
                entry.split if entry else None,
                checked,
                entry.line if entry else 0,
            )
        )

    def _check_file(self, path: Path) -> str | SkippedPhoto:
        if path in self._checked:
            return self._checked[path]
        result: str | SkippedPhoto
        if not path.exists():
            result = SkippedPhoto(path, SkipReason.MISSING, "no such file")
        else:
            try:
                if self.config.verify_pixels:
                    load_image(path, target=32)
                else:
                    read_metadata(path)
                result = quick_hash(path)
            except ImageError as e:
                result = SkippedPhoto(path, SkipReason.UNREADABLE, e.reason)
            except OSError as e:
                result = SkippedPhoto(path, SkipReason.UNREADABLE, e.strerror or str(e))
        self._checked[path] = result
        return result

    # ------------------------------------------------------------------ finishing

    def finish(self, strict: bool) -> Album:
        if strict:
            for reason in SkipReason:
                if self.problems[reason]:
                    raise AlbumError(self._problem_message(reason, self.problems[reason]))
        items = self._items()
        check_disjoint((i for i in items if i.split is Split.TRAIN), (i for i in items if i.split is Split.VAL))
        skipped = tuple(s for r in SkipReason for s in self.problems[r])
        album = Album(self.root, self.kind, self.config, tuple(items), skipped)
        self._check_size(album)
        return album

    def _items(self) -> list[AlbumItem]:
        explicit: dict[str, tuple[Split, _Pending]] = {}
        for p in self.pending:
            if p.split is None:
                continue
            split, first = explicit.setdefault(p.content_hash, (p.split, p))
            if split is not p.split:
                raise AlbumError(
                    f"The manifest {show_path(self.root)} puts the same photo in both splits: line {first.line} "
                    f"({self._name(first.path)}) says {split.value}, line {p.line} ({self._name(p.path)}) "
                    f"says {p.split.value}: give all copies of a photo the same split."
                )
        items = []
        for p in sorted(self.pending, key=lambda q: (str(q.path), q.line)):
            split = (
                explicit[p.content_hash][0]
                if p.content_hash in explicit
                else split_for(p.content_hash, self.config.val_fraction)
            )
            long = p.captions.long
            items.append(
                AlbumItem(
                    path=p.path,
                    caption=long,
                    short_caption=p.captions.short or short_caption(long),
                    lang=p.lang or detect_language(long),
                    source=p.captions.source,
                    content_hash=p.content_hash,
                    split=split,
                )
            )
        return items

    def _check_size(self, album: Album) -> None:
        cfg = self.config
        total = album.photo_count()
        skipped = ""
        if album.skipped:
            counts = ", ".join(f"{n} {r.value}" for r, n in album.skipped_counts().items())
            skipped = f" ({len(album.skipped)} skipped: {counts})"
        if total < cfg.min_photos:
            how = (
                "list more captioned photos in it"
                if self.kind is AlbumKind.MANIFEST
                else f"caption more photos ({CAPTION_SOURCES})"
            )
            raise AlbumError(
                f"The album {show_path(self.root)} has {total} captioned photo{'s' if total != 1 else ''}{skipped}; "
                f"fine-tuning needs at least {cfg.min_photos}: {how}."
            )
        n_val = album.photo_count(Split.VAL)
        if n_val < cfg.min_val_photos:
            raise AlbumError(
                f"The album {show_path(self.root)} has {n_val} photos in the validation split (of {total}, "
                f"val_fraction {cfg.val_fraction:g}) and needs at least {cfg.min_val_photos}: "
                "raise val_fraction or add captioned photos."
            )
        n_train = album.photo_count(Split.TRAIN)
        if n_train < cfg.min_train_photos:
            raise AlbumError(
                f"The album {show_path(self.root)} has {n_train} photos in the training split (of {total}, "
                f"val_fraction {cfg.val_fraction:g}) and needs at least {cfg.min_train_photos}: "
                "lower val_fraction or add captioned photos."
            )

    def _problem_message(self, reason: SkipReason, problems: list[SkippedPhoto]) -> str:
        n = len(problems)
        k = self.config.examples
        more = ", ..." if n > k else ""
        names = ", ".join(self._name(s.path) for s in problems[:k]) + more
        plural = "s" if n != 1 else ""
        skip = "or load the album with strict=False to skip them"
        if reason is SkipReason.MISSING:
            return (
                f"The manifest {show_path(self.root)} lists {n} photo{plural} that do{'es' if n == 1 else ''} not exist "
                f"({names}): fix the paths (relative ones are read from the manifest's folder) {skip}."
            )
        if reason is SkipReason.UNREADABLE:
            details = "; ".join(f"{self._name(s.path)}: {show_path(s.detail)}" for s in problems[:k]) + ("; ..." if n > k else "")
            return f"{n} photo{plural} in {show_path(self.root)} cannot be read ({details}): repair or remove them, {skip}."
        if reason is SkipReason.BAD_CAPTION_FILE:
            first = show_path(problems[0].detail).rstrip(".")
            has, them = ("have", "them") if n != 1 else ("has", "it")
            return f"{n} photo{plural} {has} a caption file that cannot be used ({first}; {names}): fix {them}, {skip}."
        if self.kind is AlbumKind.MANIFEST:
            return (
                f"{n} of {self.rows} entries in the manifest {show_path(self.root)} have an empty caption ({names}): "
                f"fill in their 'caption', {skip}."
            )
        return (
            f"{n} of {len(self._checked)} photos in {show_path(self.root)} have no caption ({names}): add one as "
            f"{CAPTION_SOURCES}, or list the photos in a CSV/JSONL manifest, {skip}."
        )

    def _name(self, p: Path) -> str:
        base = self.root if self.kind is AlbumKind.FOLDER else self.root.parent
        try:
            return show_path(p.relative_to(base).as_posix())
        except ValueError:
            return show_path(p)
