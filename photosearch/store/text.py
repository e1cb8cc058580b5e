"""Recognised text per content (schema v6): results with the engine that read them, and two FTS5 indexes.

* `text_results(content_id, engine, status, lines, error, read_at)`: one row per content, `lines` JSON
  (`[[text, confidence, [[x, y] x4]], ...]`, boxes in displayed pixels). A row whose `engine` differs from the
  current `photosearch.ocr.engine_version()` is read again by the indexer's text stage.
* `text_words`: FTS5 over each content's lines with `unicode61 remove_diacritics 2` (case and accents folded:
  "cafe" finds "Café"), ranked by BM25.
* `text_trigrams`: FTS5 with the trigram tokenizer, for Chinese and Japanese, written without spaces: "北京"
  inside "咖啡店北京市" is a substring, not a word. Terms under 3 characters fall back to LIKE on the lines.

Both FTS tables are contentless (`content=''`, `contentless_delete=1`, SQLite >= 3.43; the sqlean driver ships
3.50): the text is stored once, in `text_results.lines`. Functions take a connection and run inside the
caller's transaction, like `queries.py`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from photosearch.ocr.results import TextResult, TextStatus, lines_from_json, lines_to_json
from photosearch.ocr.words import has_cjk

SCHEMA_SQL = (
    """CREATE TABLE text_results (
        content_id INTEGER PRIMARY KEY REFERENCES contents(id),
        engine TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('text', 'none', 'failed')),
        lines TEXT NOT NULL DEFAULT '[]',
        error TEXT,
        read_at INTEGER NOT NULL
    )""",
    "CREATE VIRTUAL TABLE text_words USING fts5(text, content='', contentless_delete=1, "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE text_trigrams USING fts5(text, content='', contentless_delete=1, "
    "tokenize='trigram remove_diacritics 1')",
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)


@dataclass(frozen=True)
class TextProgress:
    """How far the text stage is with one engine: `read` of `total` indexed photos (distinct contents)."""

    engine: str
    read: int
    total: int
    with_text: int
    failed: int


def contents_to_read(conn: Any, engine: str, limit: int) -> list[tuple[int, str | bytes]]:
    """(key, one of its paths) for indexed contents without a result from `engine`, oldest key first."""
    return conn.execute(
        "SELECT f.content_id, min(f.path) FROM files f LEFT JOIN text_results t ON t.content_id = f.content_id "
        "WHERE f.status = 'indexed' AND f.content_id IS NOT NULL AND (t.content_id IS NULL OR t.engine != ?) "
        "GROUP BY f.content_id ORDER BY f.content_id LIMIT ?",
        (engine, limit),
    ).fetchall()


def write_results(conn: Any, rows: Sequence[tuple[int, TextResult]], now: int) -> None:
    """Store results and (re)index their text; call inside a write transaction."""
    for key, result in rows:
        conn.execute("DELETE FROM text_words WHERE rowid = ?", (key,))
        conn.execute("DELETE FROM text_trigrams WHERE rowid = ?", (key,))
        conn.execute(
            "INSERT OR REPLACE INTO text_results(content_id, engine, status, lines, error, read_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (key, result.engine, result.status.value, lines_to_json(result.lines), result.error, now),
        )
        if result.status == TextStatus.TEXT:
            conn.execute("INSERT INTO text_words(rowid, text) VALUES (?, ?)", (key, result.text))
            conn.execute("INSERT INTO text_trigrams(rowid, text) VALUES (?, ?)", (key, result.text))


def read_result(conn: Any, key: int) -> TextResult | None:
    row = conn.execute("SELECT engine, status, lines, error FROM text_results WHERE content_id = ?", (key,)).fetchone()
    if row is None:
        return None
    return TextResult(TextStatus(row[1]), lines_from_json(row[2]), row[0], row[3])


def progress(conn: Any, engine: str) -> TextProgress:
    total = conn.execute(
        "SELECT count(DISTINCT content_id) FROM files WHERE status = 'indexed' AND content_id IS NOT NULL"
    ).fetchone()[0]
    counts = dict(conn.execute(
        "SELECT t.status, count(*) FROM text_results t WHERE t.engine = ? AND t.content_id IN "
        "(SELECT content_id FROM files WHERE status = 'indexed') GROUP BY t.status", (engine,)
    ).fetchall())
    read = sum(counts.values())
    return TextProgress(engine, read, total, counts.get("text", 0), counts.get("failed", 0))


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _short_cjk(conn: Any, term: str) -> list[int]:
    return [r[0] for r in conn.execute(
        "SELECT content_id FROM text_results WHERE status = 'text' AND lines LIKE ? ESCAPE '\\'", (_like(term),))]


def rank(conn: Any, terms: Iterable[str], limit: int) -> list[tuple[int, float]]:
    """Contents whose text has any of `terms` (words or phrases), best first: (key, relevance > 0), the sum of
    the BM25 scores from both indexes (a term under 3 CJK characters, found by LIKE, counts 1)."""
    latin = [t for t in terms if t.strip() and not has_cjk(t)]
    cjk = [t for t in terms if t.strip() and has_cjk(t)]
    scores: dict[int, float] = {}
    if latin:
        for key, bm25 in conn.execute(
            "SELECT rowid, bm25(text_words) FROM text_words WHERE text_words MATCH ? ORDER BY rank LIMIT ?",
            (" OR ".join(map(_quoted, latin)), limit),
        ):
            scores[key] = scores.get(key, 0.0) - bm25
    long_cjk = [t for t in cjk if len(t) >= 3]
    if long_cjk:
        for key, bm25 in conn.execute(
            "SELECT rowid, bm25(text_trigrams) FROM text_trigrams WHERE text_trigrams MATCH ? ORDER BY rank LIMIT ?",
            (" OR ".join(map(_quoted, long_cjk)), limit),
        ):
            scores[key] = scores.get(key, 0.0) - bm25
    for term in cjk:
        if len(term) < 3:
            for key in _short_cjk(conn, term):
                scores[key] = scores.get(key, 0.0) + 1.0
    return sorted(scores.items(), key=lambda kv: -kv[1])[:limit]


def containing(conn: Any, phrase: str) -> set[int]:
    """Contents whose text contains `phrase` (its words in this order; CJK as a substring)."""
    if not has_cjk(phrase):
        sql = "SELECT rowid FROM text_words WHERE text_words MATCH ?"
    elif len(phrase.strip()) >= 3:
        sql = "SELECT rowid FROM text_trigrams WHERE text_trigrams MATCH ?"
    else:
        return set(_short_cjk(conn, phrase.strip()))
    return {r[0] for r in conn.execute(sql, (_quoted(phrase),))}


def get_setting(conn: Any, key: str) -> str | None:
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def set_setting(conn: Any, key: str, value: str) -> None:
    conn.execute("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)", (key, value))
