"""Every app reaches the core through the Library service: a small app built on it alone works, with a worker
thread indexing while its "GUI" thread searches and reads status; and no module reaches around the service."""
from __future__ import annotations

import ast
import threading
from pathlib import Path

from indexer import Indexer
from photosearch.library import Library
from photosearch.progress import Control, Progress
from photosearch.search import SearchRequest
from tests.index_helpers import make_photos, wait_until
from tests.tiny.longclip import write_tiny_longclip

REPO = Path(__file__).resolve().parents[1]


class MiniApp:
    """What the desktop app does, minus Qt: one Library shared by a GUI thread and an indexing worker."""

    def __init__(self, db: Path, model: str) -> None:
        self.library = Library.open(db)
        self.model = model
        self.reports: list[Progress] = []
        self.errors: list[BaseException] = []
        self.control = Control()
        self.worker: threading.Thread | None = None

    def add_folder(self, folder: Path) -> None:
        self.library.add_folder(folder)

    def start_indexing(self) -> None:
        def work() -> None:
            try:
                with Indexer.open(self.library, self.model, control=self.control) as indexer:
                    indexer.index(progress=self.reports.append, control=self.control)
            except BaseException as e:  # noqa: BLE001 - shown by the test
                self.errors.append(e)

        self.worker = threading.Thread(target=work, daemon=True)
        self.worker.start()

    def close(self) -> None:
        self.control.cancel()
        if self.worker:
            self.worker.join(30)
        self.library.close()


def test_a_small_app_on_the_service_alone(tmp_path: Path) -> None:
    photos = tmp_path / "Pictures"
    make_photos(photos, 60)
    model = write_tiny_longclip(tmp_path / "m.pt")
    app = MiniApp(tmp_path / "lib.db", f"longclip:{model}")
    try:
        app.add_folder(photos)
        app.start_indexing()
        # the GUI thread keeps using the same Library while the worker writes through its own connection
        first = wait_until(lambda: app.library.status().files.get("indexed"), 60, "a first indexed batch")
        assert first >= 1
        app.worker.join(60)
        assert not app.errors, app.errors
        status = app.library.status()
        assert status.files["indexed"] == 60 and status.models[0].embedded == 60
        long_german = "Das Kind im gelben Regenmantel springt neben einem roten Fahrrad in eine Pfütze. " * 20
        outcome = app.library.search(SearchRequest(long_german, k=5))
        assert len(outcome.results) == 5 and outcome.texts[0].truncated
        by_photo = app.library.search(SearchRequest(image=photos / "p007.jpg", k=1))
        assert by_photo.results[0].path == str(photos / "p007.jpg")
        assert app.reports and app.reports[-1].done == app.reports[-1].total == 60
    finally:
        app.close()


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def test_dependencies_point_one_way_and_apps_use_the_service() -> None:
    def modules(package: str) -> list[Path]:
        return sorted((REPO / package).rglob("*.py"))

    for path in modules("photosearch"):  # the core never imports the layers above it
        bad = {n for n in _imports(path) if n.split(".")[0] in ("indexer", "ui", "finetune")}
        assert not bad, (path, bad)
    for path in modules("finetune"):  # training stands on the core alone
        bad = {n for n in _imports(path) if n.split(".")[0] in ("indexer", "ui")}
        assert not bad, (path, bad)
    for path in modules("indexer") + modules("ui") + modules("finetune"):
        names = _imports(path)
        assert not {n for n in names if n.startswith("ui")} or path.parts[-2] == "ui", path
        cli = {n for n in names if n.startswith("photosearch.cli")}
        if path.name == "cli.py" and path.parent.name in ("indexer", "finetune"):  # a CLI plugin may use its plumbing
            assert cli <= {"photosearch.cli.args", "photosearch.cli.args.add_model", "photosearch.cli.display",
                           "photosearch.cli.display.ProgressDisplay"}, cli
        else:
            assert not cli, (path, cli)
    for path in modules("photosearch/cli") + [REPO / "indexer" / "cli.py"]:  # the CLI parses and prints only
        names = _imports(path)
        reaching = {n for n in names if n in ("photosearch.store.Store", "photosearch.search.Searcher")
                    or n.startswith(("photosearch.store.store", "indexer.pipeline", "indexer.scan", "indexer.watch"))
                    or n.split(".")[0] in ("sqlite3", "sqlean", "torch")}
        assert not reaching, (path, reaching)
