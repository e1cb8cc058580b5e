"""Package names that import their module on first use (PEP 562), for the packages a quick command touches.

Why: a CLI search served by a running app must not import numpy, the store or Pillow, and a repeated query
must not import the OCR engine (43 ms) to read a stored vector; yet `from photosearch.store import Store` should
keep working everywhere. A package lists where each name lives and takes `__getattr__`/`__dir__` from here.
"""
from __future__ import annotations

import importlib
import sys
from typing import Any, Callable


def lazy_names(package: str, where: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """`__getattr__` and `__dir__` for `package` whose public names live in the modules `where` names."""

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # later look-ups are plain attribute reads
        return value

    def __dir__() -> list[str]:
        return sorted(where)

    return __getattr__, __dir__
