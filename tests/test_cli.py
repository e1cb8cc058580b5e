"""The command line as a new user meets it: bad input is one clear line and exit code 2, never a traceback;
odd file names, relative paths, exclusions, repeated options and closed pipes all behave."""
from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from photosearch.cli import main
from photosearch.cli.display import ProgressDisplay, describe
from photosearch.progress import Phase, Progress, RateMeter, Unit
from tests.index_helpers import make_photos
from tests.photo_tree import make_truncated
from tests.tiny.longclip import write_tiny_longclip

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_longclip(tmp_path_factory.mktemp("model") / "m.pt")


@pytest.fixture
def indexed(tmp_path: Path, model: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, str]:
    """A library of 6 photos indexed with the tiny Long-CLIP; returns (photo folder, db)."""
    photos = tmp_path / "Pictures"
    make_photos(photos, 6)
    db = str(tmp_path / "lib.db")
    assert main(["--db", db, "add", str(photos)]) == 0
    assert main(["--db", db, "index", "--model", f"longclip:{model}"]) == 0
    capsys.readouterr()
    return photos, db


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "Traceback" not in err[0], err
    return err[0]


# 1 -------------------------------------------------------------------------------------------------------
@pytest.mark.skipif(sys.platform != "linux", reason="only Linux file systems take names that are not UTF-8")
def test_a_file_name_that_is_not_utf8_is_indexed_and_shown(tmp_path: Path, model: Path, capsys) -> None:
    photos = tmp_path / "Samba share"
    make_photos(photos, 3)
    raw = os.fsencode(photos) + b"/caf\xe9 \xff.jpg"  # Latin-1 and a stray byte: undecodable as UTF-8
    with open(raw, "wb") as f:
        f.write((photos / "p001.jpg").read_bytes())
    Image.open(photos / "p002.jpg").save(photos / "p002.jpg", quality=40)  # keep the copy distinct from p002
    db = str(tmp_path / "lib.db")
    assert main(["add", str(photos), "--db", db]) == 0
    assert main(["index", "--db", db, "--model", f"longclip:{model}"]) == 0
    assert "4 photos indexed" in capsys.readouterr().out
    assert main(["search", "--db", db, "--json", "-k", "10", "--image", str(photos / "p001.jpg")]) == 0
    results = json.loads(capsys.readouterr().out)["results"]
    odd = next(r for r in results if "path_bytes_b64" in r)
    assert base64.b64decode(odd["path_bytes_b64"]) == raw  # exact bytes, lossless
    assert odd["path"] == str(photos) + "/caf\ufffd \ufffd.jpg"  # shown with replacement characters
    assert main(["search", "--db", db, "-k", "10", "--image", str(photos / "p001.jpg")]) == 0
    assert "caf\ufffd \ufffd.jpg" in capsys.readouterr().out


# 2 -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["missing", "folder", "text", "truncated", "empty"])
def test_bad_photo_given_to_search_or_embed_is_one_line(indexed, model: Path, tmp_path: Path, kind: str, capsys) -> None:
    photos, db = indexed
    bad = tmp_path / f"{kind}.jpg"
    if kind == "folder":
        bad.mkdir()
    elif kind == "text":
        bad.write_text("not a photo at all\n")
    elif kind == "truncated":
        make_truncated(photos / "p001.jpg", bad, 0.5)
    elif kind == "empty":
        bad.write_bytes(b"")
    assert main(["search", "--db", db, "--image", str(bad)]) == 2
    assert str(bad.name) in _one_error_line(capsys)
    assert main(["embed", "--model", f"longclip:{model}", "--image", str(bad)]) == 2
    _one_error_line(capsys)


# 3 -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["dir", "parent-is-file", "garbage"])
def test_a_database_that_cannot_be_opened_is_one_line(tmp_path: Path, where: str, capsys) -> None:
    (tmp_path / "file").write_text("x")
    (tmp_path / "garbage.db").write_bytes(os.urandom(4096))
    db = {"dir": tmp_path, "parent-is-file": tmp_path / "file" / "x.db", "garbage": tmp_path / "garbage.db"}[where]
    assert main(["status", "--db", str(db)]) == 2
    assert "library" in _one_error_line(capsys)


# 4 -------------------------------------------------------------------------------------------------------
def test_relative_model_path_works_from_any_folder(tmp_path: Path, model: Path, monkeypatch, capsys) -> None:
    photos = tmp_path / "Pictures"
    make_photos(photos, 3)
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "m.pt").write_bytes(model.read_bytes())
    db = str(tmp_path / "lib.db")
    monkeypatch.chdir(tmp_path)
    assert main(["add", "Pictures", "--db", db]) == 0
    assert main(["index", "--db", db, "--model", "longclip:models/m.pt"]) == 0
    monkeypatch.chdir(photos)
    capsys.readouterr()
    assert main(["search", "--db", db, "--json", "red"]) == 0
    assert len(json.loads(capsys.readouterr().out)["results"]) == 3
    assert main(["status", "--db", db, "--json"]) == 0
    (model_state,) = json.loads(capsys.readouterr().out)["models"].values()
    assert model_state["spec"] == f"longclip:{tmp_path / 'models' / 'm.pt'}"


# 5 -------------------------------------------------------------------------------------------------------
def test_a_missing_photo_in_a_mix_query_is_an_error(indexed, capsys) -> None:
    _, db = indexed
    assert main(["search", "--db", db, '"red bicycle" + ./nope.jpg']) == 2
    assert "no photo at './nope.jpg'" in _one_error_line(capsys)


# 7 -------------------------------------------------------------------------------------------------------
def test_exclusions_add_up_show_in_status_and_warn(tmp_path: Path, capsys) -> None:
    root = tmp_path / "Pictures"
    for sub in ("Screenshots", "Memes"):
        (root / sub).mkdir(parents=True)
    db = str(tmp_path / "lib.db")
    assert main(["add", str(root), "--exclude", "Screenshots", "--db", db]) == 0
    assert capsys.readouterr().out.startswith(f"added {root}")
    assert main(["add", str(root), "--exclude", "Memes", "--exclude", "Screnshots", "--db", db]) == 0
    out, err = capsys.readouterr()
    assert "already in the library" in out and "warning:" in err and "Screnshots does not exist" in err
    assert main(["status", "--db", db, "--json"]) == 0
    (folder,) = json.loads(capsys.readouterr().out)["folders"]
    assert folder["excluded"] == sorted(str(root / s) for s in ("Memes", "Screenshots", "Screnshots"))
    assert main(["add", str(root), "--include", "Screnshots", "--db", db]) == 0
    assert f"no longer excluding {root / 'Screnshots'}" in capsys.readouterr().out
    assert main(["status", "--db", db]) == 0
    shown = [line.strip() for line in capsys.readouterr().out.splitlines() if "excluded:" in line]
    assert shown == [f"excluded: {root / 'Memes'}", f"excluded: {root / 'Screenshots'}"]


# 8 -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("argv, says", [
    (["search", "red", "--cutoff", "2"], "cut-off"),
    (["search", "red", "--cutoff", "-1"], "cut-off"),
    (["search", "red", "-k", "0"], "number of results"),
    (["search", "red", "-k", "ten"], "invalid int"),
    (["duplicates", "--threshold", "1.5"], "threshold"),
    (["search", "red", "--since", "2024-02-01", "--until", "2023-01-01"], "after the end date"),
    (["search", "red", "--since", "2024-13-01"], "YYYY-MM-DD"),
    (["search", "red", "--device", "gpu"], "unknown device 'gpu'"),
    (["search", "red", "--sort", "size"], "invalid choice"),
    (["status", "--errors", "-1"], "cannot be negative"),
    (["remove", "/no/such/folder"], "not a folder of this library"),
    (["frobnicate"], "invalid choice"),
])
def test_arguments_out_of_range_are_one_line(indexed, argv: list[str], says: str, capsys) -> None:
    _, db = indexed
    assert main(["--db", db, *argv]) == 2
    assert says in _one_error_line(capsys)


def test_a_file_that_is_not_the_named_kind_of_model_is_one_line(tmp_path: Path, capsys) -> None:
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (8, 8)).save(photo)
    assert main(["embed", "--model", f"longclip:{photo}", "--text", "x"]) == 2
    assert "is not a Long-CLIP checkpoint: it is a JPEG image" in _one_error_line(capsys)


# 9 -------------------------------------------------------------------------------------------------------
def test_without_a_terminal_progress_is_a_plain_line_every_few_seconds() -> None:
    out = io.StringIO()
    display = ProgressDisplay(out, tty=False, interval_s=3600)
    for done in range(0, 101, 5):
        display(Progress(Phase.INDEX, done, 100, Unit.PHOTOS, rate=6.1 if done else None, eta_s=(100 - done) / 6.1))
    display(Progress(Phase.DOWNLOAD, 0, 5 * 2**20, Unit.BYTES, items_total=2))
    display.close()
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue() and len(lines) == 3  # first report, the finished one, the next phase
    assert lines[1] == "index: 100/100 photos, 6.1 photos/s" and lines[2].startswith("download: 0 B/5.0 MiB, 0/2 files")


def test_rates_need_a_second_of_work_and_leave_pauses_out(monkeypatch) -> None:
    clock = [100.0]
    monkeypatch.setattr("photosearch.progress.time.monotonic", lambda: clock[0])
    meter = RateMeter()
    clock[0] += 0.01
    assert meter.rate(8) is None  # 8 photos in 10 ms is not "800 photos/s" worth showing
    clock[0] += 1.99
    assert meter.rate(12) == pytest.approx(6.0)
    assert "6.0 photos/s" in describe(meter.snapshot(Phase.INDEX, 12, 24))


def test_scan_reports_its_own_rate_in_files(tmp_path: Path, monkeypatch) -> None:
    from indexer.scan import scan_roots
    from photosearch.store import Store

    monkeypatch.setattr(RateMeter, "MIN_ACTIVE_S", 0.0)
    make_photos(tmp_path / "p", 5)
    events: list[Progress] = []
    with Store.open(tmp_path / "lib.db") as store:
        store.add_root(tmp_path / "p")
        scan_roots(store, progress=events.append)
    assert events[-1].phase == Phase.SCAN and events[-1].unit == Unit.FILES and events[-1].rate > 0


# 10 ------------------------------------------------------------------------------------------------------
def test_duplicates_and_search_on_an_empty_library_say_so_without_a_model(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    db = str(tmp_path / "lib.db")
    assert main(["duplicates", "--db", db]) == 2
    assert "no folders" in _one_error_line(capsys)
    assert main(["add", str(tmp_path), "--db", db]) == 0
    capsys.readouterr()
    assert main(["duplicates", "--db", db]) == 2
    line = _one_error_line(capsys)
    assert "nothing is indexed yet" in line and "download" not in line


def test_search_after_removing_the_only_folder_says_there_are_no_folders(indexed, capsys) -> None:
    photos, db = indexed
    assert main(["remove", str(photos), "--db", db]) == 0
    capsys.readouterr()
    assert main(["search", "--db", db, "red"]) == 2
    assert "no folders" in _one_error_line(capsys)


# 11 ------------------------------------------------------------------------------------------------------
def test_repeated_text_options_accumulate_and_db_goes_before_the_command(indexed, model: Path, capsys) -> None:
    assert main(["embed", "--model", f"longclip:{model}", "--json", "--text", "a", "--text", "b", "c"]) == 0
    assert len(json.loads(capsys.readouterr().out)["vectors"]) == 3
    _, db = indexed
    assert main(["--db", db, "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["db"] == db


# 12 ------------------------------------------------------------------------------------------------------
def test_models_info_and_the_cut_notice_quote_the_same_limit(indexed, model: Path, capsys) -> None:
    assert main(["models", "info", f"longclip:{model}"]) == 0
    limit = json.loads(capsys.readouterr().out)["max_text_tokens"]
    _, db = indexed
    assert main(["search", "--db", db, "--json", " ".join(["word"] * 400)]) == 0
    (cut,) = json.loads(capsys.readouterr().out)["truncated"]
    assert cut["kept"] == limit == 246 and cut["tokens"] == 400


# 13 and everything else ------------------------------------------------------------------------------------
def _run(args: list[str], tmp_path: Path, close_stdout: bool = False) -> tuple[int, str]:
    env = {**os.environ, "PHOTOSEARCH_LOG_DIR": str(tmp_path / "logs"), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "photosearch", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, cwd=tmp_path)
    if close_stdout:
        proc.stdout.close()  # a pager that quit before reading anything
        err = proc.stderr.read().decode()
        return proc.wait(timeout=60), err
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err.decode()


def test_a_closed_pipe_ends_quietly(indexed, tmp_path: Path) -> None:
    _, db = indexed
    code, err = _run(["--db", db, "status", "--json"], tmp_path, close_stdout=True)
    assert "Traceback" not in err and "BrokenPipe" not in err and err == ""
    assert code == 141


def test_an_unexpected_bug_is_one_line_naming_the_log_with_the_traceback(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("PHOTOSEARCH_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setattr("photosearch.library.Library.status", lambda *a, **k: 1 / 0)
    assert main(["status", "--db", str(tmp_path / "lib.db")]) == 1
    line = capsys.readouterr().err.strip()
    log = tmp_path / "logs" / "photosearch.log"
    assert "\n" not in line and "ZeroDivisionError" in line and str(log) in line
    assert "Traceback" in log.read_text() and "1 / 0" in log.read_text()


def test_no_user_input_prints_a_traceback(tmp_path: Path) -> None:
    """Whole processes, as a user runs them: each of these is a mistake, answered in one line."""
    (tmp_path / "notes.txt").write_text("hello")
    db = str(tmp_path / "lib.db")
    for args in (
        ["status", "--db", "/proc/photosearch.db"],
        ["search", "--db", db, "--image", "notes.txt"],
        ["embed", "--model", "longclip:notes.txt", "--text", "x"],
        ["embed", "--device", "gpu", "--model", "longclip:notes.txt", "--text", "x"],
        ["add", "no-such-folder", "--db", db],
        ["search", "--db", db, "red", "-k", "0"],
        ["models", "download", "no-such-preset"],
    ):
        code, err = _run(args, tmp_path)
        assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1, (args, err)


def test_index_refuses_while_another_program_indexes(indexed, capsys) -> None:
    from photosearch.lease import IndexerLease

    _, db = indexed
    with IndexerLease.acquire(db, "PhotoSearch app"):
        assert main(["index", "--db", db]) == 2
        assert "being indexed by PhotoSearch app" in _one_error_line(capsys)
        assert main(["status", "--db", db]) == 0
        assert "indexing: PhotoSearch app" in capsys.readouterr().out
    assert main(["index", "--db", db]) == 0
