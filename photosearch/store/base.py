"""What the Store's mixins (files_api, models_api, text_api) use of a `Store`, declared for type checkers.

`Store` (store.py) provides all of it: the connection, the RAM indexes, `write_batch`, the `_q`/`_one` query
helpers, and the two methods one part calls on another (`roots()` for per-root counts, `models()` for
per-model counts). Declared here only, so a mixin's type hints stay honest without an import cycle.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, ContextManager, Sequence

if TYPE_CHECKING:
    from photosearch.store.ram_index import VectorIndex
    from photosearch.store.records import ModelRecord, Root


class StoreBase:
    """The base of `Store` and of its mixins; it holds no code."""

    _conn: Any
    _indexes: dict[str, "VectorIndex"]

    if TYPE_CHECKING:
        @property
        def read_only(self) -> bool: ...

        def write_batch(self) -> ContextManager[Any]: ...

        def _q(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

        def _one(self, sql: str, params: Sequence[Any] = ()) -> Any: ...

        def roots(self) -> list[Root]: ...

        def models(self) -> list[ModelRecord]: ...
