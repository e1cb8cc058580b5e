"""The Library service and what it promises every front end: folders and exclusions, the model rule, errors a
user can act on, search reports, and encoders whose towers load without blocking each other."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
import torch

from indexer import Indexer
from photosearch.encoders.device import DevicePlan
from photosearch.errors import (
    InvalidInput,
    LibraryCorrupt,
    LibraryReadOnly,
    LibraryUnavailable,
    ModelError,
    NothingIndexed,
    PhotoSearchError,
)
from photosearch.factory import canonical_spec, create_encoder
from photosearch.library import Library
from photosearch.search import SearchRequest
from photosearch.store import FileStatus, Store
from tests.index_helpers import make_photos, tiny_encoder
from tests.tiny.eva import TinyEva, write_tiny_checkpoint
from tests.tiny.llama import build_tiny_llama
from tests.tiny.longclip import write_tiny_longclip

LONG = "The kid in the yellow raincoat jumping into a puddle next to a red bicycle, late afternoon. " * 30


@pytest.fixture
def lib(tmp_path: Path):
    with Library.open(tmp_path / "lib.db", device="cpu") as library:
        yield library


def _indexed(tmp_path: Path, *folders: tuple[str, int]) -> Library:
    """A library of `(folder name, photo count)` folders, indexed with the tiny Long-CLIP."""
    library = Library.open(tmp_path / "lib.db")
    start = 0
    for name, n in folders:
        make_photos(tmp_path / name, n, start=start)
        library.add_folder(tmp_path / name)
        start += n
    with Indexer.open(library, f"longclip:{write_tiny_longclip(tmp_path / 'm.pt')}") as indexer:
        indexer.index()
    return library


# -- folders and exclusions --------------------------------------------------------------------------------
def test_exclusions_accumulate_and_can_be_taken_back(lib: Library, tmp_path: Path) -> None:
    root = tmp_path / "Pictures"
    for sub in ("Screenshots", "Trash", "Keep"):
        (root / sub).mkdir(parents=True)
    first = lib.add_folder(root, exclude=["Screenshots"])
    assert first.created and first.folder.excluded == (str(root / "Screenshots"),) and not first.warnings
    again = lib.add_folder(root, exclude=[str(root / "Trash")])  # absolute works too, and adds
    assert not again.created and again.excluded_added == (str(root / "Trash"),)
    assert set(again.folder.excluded) == {str(root / "Screenshots"), str(root / "Trash")}
    back = lib.add_folder(root, include=["Screenshots"])
    assert back.excluded_removed == (str(root / "Screenshots"),) and back.folder.excluded == (str(root / "Trash"),)
    assert [f.excluded for f in lib.folders()] == [(str(root / "Trash"),)]


def test_exclusion_mistakes_are_warned_or_refused(lib: Library, tmp_path: Path) -> None:
    root = tmp_path / "Pictures"
    root.mkdir()
    change = lib.add_folder(root, exclude=["Screnshots"], include=["Keep"])
    assert any("Screnshots does not exist" in w for w in change.warnings)
    assert any("Keep was not excluded" in w for w in change.warnings)
    with pytest.raises(InvalidInput, match="not a subfolder"):
        lib.add_folder(root, exclude=[str(tmp_path)])
    with pytest.raises(InvalidInput, match="not a folder"):
        lib.add_folder(tmp_path / "nope")
    with pytest.raises(InvalidInput, match="is not a folder of this library"):
        lib.remove_folder(tmp_path)


# -- the model rule and "nothing to search" ----------------------------------------------------------------
def test_nothing_to_search_says_why_before_any_model_is_touched(lib: Library, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("photosearch.factory.create_encoder", lambda *a, **k: pytest.fail("a model was loaded"))
    with pytest.raises(NothingIndexed, match="no folders"):
        lib.search(SearchRequest("a red bicycle"))
    with pytest.raises(NothingIndexed, match="no folders"):
        lib.duplicates()
    lib.add_folder(tmp_path)
    with pytest.raises(NothingIndexed, match="nothing is indexed yet"):
        lib.search(SearchRequest("a red bicycle"))
    assert lib.status().search_model is None
    assert lib.index_model() == "openclip-xlmr-b32"  # the CPU default, only for indexing a new library


def test_removing_the_only_folder_leaves_nothing_to_search(tmp_path: Path) -> None:
    with _indexed(tmp_path, ("Pictures", 3)) as lib:
        assert len(lib.search(SearchRequest("snow", k=5)).results) == 3
        lib.remove_folder(tmp_path / "Pictures")
        with pytest.raises(NothingIndexed, match="no folders"):
            lib.search(SearchRequest("snow"))


def test_relative_model_paths_are_recorded_absolute(tmp_path: Path, monkeypatch) -> None:
    photos = tmp_path / "Pictures"
    make_photos(photos, 2)
    (tmp_path / "models").mkdir()
    write_tiny_longclip(tmp_path / "models" / "m.pt")
    monkeypatch.chdir(tmp_path)
    with Library.open(tmp_path / "lib.db") as lib:
        lib.add_folder("Pictures")
        with Indexer.open(lib, "longclip:models/m.pt") as ix:
            ix.index()
        assert [m.spec for m in lib.status().models] == [f"longclip:{tmp_path / 'models' / 'm.pt'}"]
    monkeypatch.chdir(tmp_path / "Pictures")  # another folder: the recorded model still resolves
    with Library.open(tmp_path / "lib.db") as lib:
        assert len(lib.search(SearchRequest("red", k=5)).results) == 2
    assert canonical_spec("longclip:~/m.pt") == f"longclip:{Path('~/m.pt').expanduser()}"


# -- search reports ----------------------------------------------------------------------------------------
def test_a_cut_query_is_reported_on_every_search_also_from_the_cache(tmp_path: Path, monkeypatch) -> None:
    with _indexed(tmp_path, ("Pictures", 3)) as lib:
        first = lib.search(SearchRequest(LONG, k=2))
        encoder = lib.encoder(lib.search_model())
        monkeypatch.setattr(encoder, "encode_texts_with_info", lambda *a: pytest.fail("the cache was not used"))
        again = lib.search(SearchRequest(LONG, k=2))
    for outcome in (first, again):
        (text,) = outcome.texts
        assert text.truncated and text.kept == encoder.max_text_tokens < text.tokens
        assert outcome.truncated == [text]


@pytest.mark.parametrize("bad", [
    dict(query="x", k=0), dict(query="x", k=-3), dict(query="x", cutoff=2.0), dict(query="x", cutoff=-1.0),
    dict(query="x", cutoff=0.0), dict(query="x", sort="size"), dict(), dict(query="   "),
    dict(query='"red bicycle" + ./nope.jpg'), dict(image="nope.jpg"),
])
def test_bad_search_requests_are_invalid_input(bad: dict, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidInput):
        SearchRequest(**bad)


# -- errors a user can cause are PhotoSearchErrors ---------------------------------------------------------
def test_library_files_that_cannot_be_used_say_why(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database, just some bytes " * 200)
    with pytest.raises(LibraryCorrupt, match="not a PhotoSearch library"):
        Library.open(garbage)
    (tmp_path / "file").write_text("x")
    with pytest.raises(LibraryUnavailable, match="cannot create the library"):
        Library.open(tmp_path / "file" / "lib.db")  # its folder is a file
    with pytest.raises(LibraryUnavailable, match="cannot open the library"):
        Library.open(tmp_path)  # a folder, not a file


def test_store_write_failures_are_library_errors_not_driver_errors(tmp_path: Path) -> None:
    with Store.open(tmp_path / "lib.db") as store:
        store.conn.execute("PRAGMA query_only = 1")  # what SQLite answers on a read-only disk: SQLITE_READONLY
        with pytest.raises(LibraryReadOnly, match="read-only"):
            store.add_root(tmp_path)


def test_unusable_models_are_model_errors(tmp_path: Path) -> None:
    text = tmp_path / "notes.pt"
    text.write_text("just text")
    pickled = tmp_path / "module.pt"
    torch.save(torch.nn.Linear(2, 2), pickled)
    for spec, why in [
        (f"longclip:{text}", "it is a text file"),
        (f"longclip:{pickled}", "never loaded"),
        (f"longclip:{tmp_path / 'nope.pt'}", "not found"),
        (str(text), "say which kind it is"),
        ("no-such-model", "unknown model"),
    ]:
        with pytest.raises(ModelError, match=why):
            create_encoder(spec, device="cpu")
    with pytest.raises(InvalidInput, match="unknown device 'gpu'"):
        create_encoder(f"longclip:{text}", device="gpu")
    assert issubclass(ModelError, PhotoSearchError) and issubclass(InvalidInput, PhotoSearchError)


# -- encoders: lazy, independent towers ----------------------------------------------------------------------
def test_a_slow_text_tower_load_does_not_block_image_encoding(tmp_path: Path) -> None:
    encoder = tiny_encoder(tmp_path)
    pixels = torch.zeros(2, 3, encoder.image_size, encoder.image_size)
    encoder.encode_pixels(pixels)  # vision tower loaded
    release, loading = threading.Event(), threading.Event()
    inner = encoder._load_text

    def slow_llm(plan: DevicePlan):
        loading.set()
        release.wait(30)  # an 8B LLM being read from disk
        return inner(plan)

    encoder._load_text = slow_llm
    query = threading.Thread(target=lambda: encoder.encode_texts(["a red bicycle"]), daemon=True)
    query.start()
    assert loading.wait(10)
    done = threading.Event()
    threading.Thread(target=lambda: (encoder.encode_pixels(pixels), done.set()), daemon=True).start()
    try:
        assert done.wait(10), "indexing waited for the text tower to load"
    finally:
        release.set()
        query.join(30)
    assert encoder.text_loaded


@pytest.fixture(scope="module")
def llm2clip_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("llm2clip")
    return write_tiny_checkpoint(folder / "vision.pt", TinyEva(llm_dim=64)), build_tiny_llama(folder / "llm")


def test_llm2clip_adaptor_loads_with_the_text_side_only(llm2clip_pair, monkeypatch) -> None:
    from photosearch.encoders.text_adaptor import TextAdaptor

    built: list[int] = []
    inner = TextAdaptor.from_state_dict.__func__
    monkeypatch.setattr(TextAdaptor, "from_state_dict", classmethod(lambda cls, s: built.append(1) or inner(cls, s)))
    vision, llm = llm2clip_pair
    encoder = create_encoder(f"llm2clip:{vision}+{llm}", device="cpu")
    assert (encoder.dim, encoder.image_size) == (128, TinyEva().image_size) and not built
    encoder.encode_images([__import__("PIL.Image").Image.new("RGB", (40, 30), "red")])
    assert not built and not encoder.text_loaded
    encoder.encode_texts(["a red bicycle"])
    assert built == [1]


def test_the_llm_is_read_straight_into_its_run_dtype(llm2clip_pair, monkeypatch) -> None:
    """On a GPU the LLM runs in bf16: reading it as float32 first would double the RAM an 8B model needs."""
    from photosearch.encoders import llm2vec
    from photosearch.encoders.llm2clip import load_llm2clip

    asked: list[torch.dtype] = []
    inner = llm2vec.read_llama_weights
    monkeypatch.setattr(llm2vec, "read_llama_weights", lambda d, dtype=torch.float32, *rest: asked.append(dtype) or inner(d, dtype, *rest))
    vision, llm = llm2clip_pair
    plan = DevicePlan(torch.device("cpu"), torch.float32, torch.bfloat16)
    encoder = load_llm2clip(vision, llm, device=plan)
    tower = encoder.text
    assert asked == [torch.bfloat16]
    assert tower.llm.model.layers[0].mlp.up_proj.weight.dtype == torch.bfloat16
    assert next(tower.adaptor.parameters()).dtype == torch.float32  # the small adaptor stays float32


def test_llm2vec_pads_with_eos_whatever_the_tokenizer_config_says(llm2clip_pair) -> None:
    from transformers import PreTrainedTokenizerFast

    from photosearch.encoders.llm2vec import LLM2VecTokenizer

    raw = PreTrainedTokenizerFast.from_pretrained(str(llm2clip_pair[1]), local_files_only=True)
    raw.pad_token = "<|start_header_id|>"
    tokenizer = LLM2VecTokenizer(raw)
    assert raw.pad_token == raw.eos_token == "<|eot_id|>"
    ids = tokenizer(["a", "a much longer text than the other one"]).tensors["input_ids"]
    assert ids[0, 0].item() == raw.eos_token_id  # the short row is left-padded with eos


def test_statuses_count_per_folder(tmp_path: Path) -> None:
    with _indexed(tmp_path, ("a", 2), ("b", 3)) as lib:
        st = lib.status()
    assert {os.path.basename(f.path): f.files[FileStatus.INDEXED] for f in st.folders} == {"a": 2, "b": 3}
    assert st.files[FileStatus.INDEXED] == 5 and st.models[0].complete and st.search_model == st.models[0].spec


def test_one_indexer_per_library_across_programs(tmp_path: Path) -> None:
    import subprocess
    import sys

    from photosearch.lease import IndexingElsewhere, lease_holder

    with _indexed(tmp_path, ("Pictures", 2)) as lib:
        with Indexer.open(lib, program="photosearch watch") as first:
            with pytest.raises(IndexingElsewhere, match=r"photosearch watch \(pid \d+") as info:
                Indexer.open(lib, program="PhotoSearch app")
            assert info.value.holder.pid == os.getpid() and lib.status().indexing.program == "photosearch watch"
            assert first.index()[1].failed == 0
        assert lease_holder(lib.path) is None
        # a process that dies holding the lease (killed, crashed) leaves no stale lock behind
        holder = subprocess.Popen([sys.executable, "-c", (
            "import sys, time; from photosearch.lease import IndexerLease;"
            f" IndexerLease.acquire({lib.path!r}, 'photosearch index'); print('held', flush=True); time.sleep(60)")],
            stdout=subprocess.PIPE, text=True)
        assert holder.stdout.readline().strip() == "held"
        assert lease_holder(lib.path).program == "photosearch index"
        holder.kill()
        holder.wait(10)
        assert lease_holder(lib.path) is None
        with Indexer.open(lib):
            pass
