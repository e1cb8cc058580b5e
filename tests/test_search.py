"""Search as a user relies on it: by photo, by text, mixed, filtered, sorted, cut off; and the CLI around it."""
import json
from datetime import date, datetime

import numpy as np
import pytest
from PIL import Image

from indexer import Indexer
from photosearch.cli import main
from photosearch.query import QueryTerm
from photosearch.search import Searcher, SearchFilters, SearchRequest
from photosearch.store import Store
from tests.index_helpers import make_photos, tiny_encoder
from tests.photo_tree import make_photo


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """A small library: two folders, EXIF dates and cameras on some photos, a copy, indexed once."""
    base = tmp_path_factory.mktemp("lib")
    root = base / "Photos"
    make_photos(root / "2023", 12)
    make_photos(root / "2024", 12, start=12)
    make_photo(root / "2024" / "beach.jpg", "orange", (120, 80), shape="ring", taken_at="2024-07-14 18:30:00",
               make="Canon", model="EOS R6")
    make_photo(root / "2023" / "snow.png", (250, 250, 250), (90, 90), shape="cross", taken_at="2023-01-02 09:00:00",
               make="FUJIFILM", model="X-T4")
    (root / "copies").mkdir()
    (root / "copies" / "beach-copy.jpg").write_bytes((root / "2024" / "beach.jpg").read_bytes())
    encoder = tiny_encoder(base)
    store = Store.open(base / "library.db")
    store.add_root(root)
    Indexer(store, encoder).index()
    yield root, store, encoder
    store.close()


def test_identical_photo_reencoded_is_found_first_by_image_query(library, tmp_path):
    root, store, encoder = library
    original = root / "2024" / "p015.jpg"
    Image.open(original).save(tmp_path / "resaved.jpg", quality=55)
    results = Searcher(store, encoder).search(SearchRequest(image=tmp_path / "resaved.jpg", k=5)).results
    assert results[0].path == str(original)
    assert results[0].score > results[1].score


def test_searching_by_an_indexed_photo_reuses_its_stored_vector(library, tmp_path):
    root, store, _ = library
    fresh = tiny_encoder(tmp_path)  # same weights, nothing loaded yet
    results = Searcher(store, fresh).search(SearchRequest(image=root / "2023" / "p003.jpg", k=3)).results
    assert results[0].path == str(root / "2023" / "p003.jpg") and results[0].score == pytest.approx(1.0, abs=1e-5)
    assert not fresh.vision_loaded  # no re-encoding of a photo the index already has


def test_copies_are_both_returned(library):
    root, store, encoder = library
    paths = [r.path for r in Searcher(store, encoder).search(SearchRequest(image=root / "2024" / "beach.jpg", k=2)).results]
    assert sorted(paths) == sorted([str(root / "2024" / "beach.jpg"), str(root / "copies" / "beach-copy.jpg")])


def test_weighted_combination_is_the_normalised_weighted_sum(library):
    root, store, encoder = library
    searcher = Searcher(store, encoder)
    image = str(root / "2023" / "p001.jpg")
    terms = [QueryTerm("text", "red bicycle in the rain", 2.0), QueryTerm("image", image), QueryTerm("text", "people", -1.0)]
    got, _ = searcher.query_vector(terms)
    t = encoder.encode_texts(["red bicycle in the rain", "people"])
    want = 2 * t[0] + searcher.image_vector(image) - t[1]
    np.testing.assert_allclose(got, want / np.linalg.norm(want), atol=1e-5)
    scores = [r.score for r in searcher.search(SearchRequest(f'"2:red bicycle in the rain" + {image} - "people"', k=30)).results]
    assert scores == sorted(scores, reverse=True) and len(scores) == 27


def test_text_query_vectors_are_cached(library, monkeypatch):
    _, store, encoder = library
    searcher = Searcher(store, encoder)
    calls = []
    inner = encoder.encode_texts_with_info
    monkeypatch.setattr(encoder, "encode_texts_with_info", lambda texts: calls.append(texts) or inner(texts))
    first = searcher.search(SearchRequest("a long paragraph about a kid in a yellow raincoat", k=5)).results
    second = searcher.search(SearchRequest("a long paragraph about a kid in a yellow raincoat", k=5)).results
    assert [r.path for r in first] == [r.path for r in second] and len(calls) == 1


def test_filters_select_before_top_k(library):
    root, store, encoder = library
    s = Searcher(store, encoder)
    in_2023 = s.search(SearchRequest("anything", k=100, filters=SearchFilters(folder=root / "2023"))).results
    assert len(in_2023) == 13 and all(r.path.startswith(str(root / "2023") + "/") for r in in_2023)
    # k results even when the filter matches only the worst-ranked photos: filtering happens first
    assert len(s.search(SearchRequest("anything", k=3, filters=SearchFilters(folder=root / "2023"))).results) == 3
    canon = s.search(SearchRequest("anything", k=10, filters=SearchFilters(camera="canon"))).results
    assert [r.path for r in canon] == [str(root / "2024" / "beach.jpg")] or {r.path for r in canon} == {
        str(root / "2024" / "beach.jpg"), str(root / "copies" / "beach-copy.jpg")}
    dated = s.search(SearchRequest("anything", k=10, filters=SearchFilters(since=date(2024, 7, 14), until=date(2024, 7, 14)))).results
    assert {r.path for r in dated} >= {str(root / "2024" / "beach.jpg")}
    assert all(r.taken_at.date() == date(2024, 7, 14) for r in dated)
    pngs = s.search(SearchRequest("anything", k=10, filters=SearchFilters(file_types=("png",)))).results
    assert [r.path for r in pngs] == [str(root / "2023" / "snow.png")]


def test_sort_by_date_and_relative_cutoff(library):
    _, store, encoder = library
    s = Searcher(store, encoder)
    by_date = s.search(SearchRequest("snow", k=30, sort="date")).results
    dates = [r.taken_at for r in by_date]
    assert dates == sorted(dates, reverse=True)
    everything = s.search(SearchRequest("snow", k=30)).results
    cut = s.search(SearchRequest("snow", k=30, cutoff=0.99)).results
    assert 1 <= len(cut) < len(everything)
    assert all(r.score >= everything[0].score * 0.99 for r in cut)


def test_cli_add_index_search_status_json(tmp_path, monkeypatch, capsys):
    photos = tmp_path / "Pictures"
    make_photos(photos, 6)
    encoder = tiny_encoder(tmp_path)
    spec = f"longclip:{tmp_path / 'tiny_longclip_0.pt'}"
    db = str(tmp_path / "cli.db")
    assert main(["add", str(photos), "--db", db]) == 0
    assert main(["index", "--db", db, "--model", spec]) == 0
    capsys.readouterr()
    assert main(["search", "--db", db, "--json", "-k", "3", "--image", str(photos / "p002.jpg")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["model_id"] == encoder.model_id and out["truncated"] == []
    assert [set(r) for r in out["results"]] == [{"path", "score", "taken_at", "size", "width", "height", "matched"}] * 3
    assert out["results"][0]["path"] == str(photos / "p002.jpg")
    assert main(["status", "--db", db, "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["files"] == {"indexed": 6, "pending": 0, "error": 0, "missing": 0} and status["models"][encoder.model_id]["embedded"] == 6
    assert status["roots"] == [str(photos)]


def test_cli_duplicates_groups_copies_and_near_copies(tmp_path, capsys):
    photos = tmp_path / "Pictures"
    make_photos(photos, 5)
    (photos / "copy.jpg").write_bytes((photos / "p001.jpg").read_bytes())
    Image.open(photos / "p003.jpg").save(photos / "p003-small.jpg", quality=60)
    tiny_encoder(tmp_path)
    db = str(tmp_path / "dup.db")
    main(["add", str(photos), "--db", db])
    main(["index", "--db", db, "--model", f"longclip:{tmp_path / 'tiny_longclip_0.pt'}"])
    capsys.readouterr()
    assert main(["duplicates", "--db", db, "--json", "--threshold", "0.98"]) == 0
    groups = {tuple(sorted(g)) for g in json.loads(capsys.readouterr().out)["groups"]}
    assert tuple(sorted([str(photos / "copy.jpg"), str(photos / "p001.jpg")])) in groups
    assert tuple(sorted([str(photos / "p003-small.jpg"), str(photos / "p003.jpg")])) in groups


@pytest.mark.parametrize("machine_tz", ["UTC", "America/New_York"])
def test_taken_at_is_the_cameras_clock_whatever_the_machine_time_zone(tmp_path, monkeypatch, machine_tz):
    import time

    monkeypatch.setenv("TZ", machine_tz)
    time.tzset()
    try:
        photos = tmp_path / "trip"
        make_photo(photos / "tokyo.jpg", "orange", taken_at="2024-07-14 18:30:00", offset="+09:00")
        make_photo(photos / "home.jpg", "navy", taken_at="2024-07-15 07:05:00")  # no offset: local clock
        encoder = tiny_encoder(tmp_path)
        with Store.open(tmp_path / "tz.db") as store:
            store.add_root(photos)
            Indexer(store, encoder).index()
            s = Searcher(store, encoder)
            day = s.search(SearchRequest("x", k=5, filters=SearchFilters(since=date(2024, 7, 14), until=date(2024, 7, 14)))).results
            assert [(r.path, r.taken_at) for r in day] == [(str(photos / "tokyo.jpg"), datetime(2024, 7, 14, 18, 30))]
            home = s.search(SearchRequest("x", k=5, filters=SearchFilters(since=date(2024, 7, 15)))).results
            assert [r.taken_at for r in home] == [datetime(2024, 7, 15, 7, 5)]
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_cli_search_stays_on_the_complete_model_while_another_backfills(tmp_path, capsys):
    photos = tmp_path / "Pictures"
    make_photos(photos, 4)
    old, new = tiny_encoder(tmp_path, seed=0), tiny_encoder(tmp_path, seed=1)
    spec_old, spec_new = (f"longclip:{tmp_path / f'tiny_longclip_{i}.pt'}" for i in (0, 1))
    db = str(tmp_path / "switch.db")
    main(["add", str(photos), "--db", db])
    main(["index", "--db", db, "--model", spec_old])
    with Store.open(db) as store:  # a backfill of the new model has started: one photo embedded so far
        store.register_model(new.model_id, new.dim, spec_new)
        job = store.missing_embeddings(new.model_id, limit=1)[0]
        store.add_embeddings(new.model_id, [(job.key, new.encode_images([Image.open(job.path).convert("RGB")])[0])])
    capsys.readouterr()
    main(["search", "--db", db, "--json", "red"])
    during = json.loads(capsys.readouterr().out)
    assert during["model_id"] == old.model_id and len(during["results"]) == 4
    main(["index", "--db", db])  # without --model: continues the newest model's backfill
    capsys.readouterr()
    main(["search", "--db", db, "--json", "red"])
    after = json.loads(capsys.readouterr().out)
    assert after["model_id"] == new.model_id and len(after["results"]) == 4


def test_cli_search_before_indexing_says_what_to_do(tmp_path, capsys):
    assert main(["search", "--db", str(tmp_path / "empty.db"), "a red bicycle"]) == 2
    assert "the library has no folders yet" in capsys.readouterr().err
