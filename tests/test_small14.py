"""Session 14, small items (small14): each test fails before its fix."""

from __future__ import annotations

import hashlib
import sys
import types

from gpt41cost import catalog as cat


# 1. Python 3.12 renamed the lean _sha256 module _sha2: the catalog's sidecar hash takes it there.
def test_sha256_takes_the_312_sha2_module_when_sha256_is_absent(monkeypatch):
    calls: list[bytes] = []

    def sha256(data: bytes = b"") -> object:
        calls.append(data)
        return hashlib.sha256(data)

    fake = types.ModuleType("_sha2")
    fake.sha256 = sha256  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "_sha256", None)  # as on Python 3.12 and later
    monkeypatch.setitem(sys.modules, "_sha2", fake)
    data = cat.Path(cat.default_catalog_path()).read_bytes()
    assert cat._sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
    assert calls == [data]
    assert cat._sha256(b"abc").hexdigest() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert calls == [data, b"abc"]


def test_sha256_falls_back_to_hashlib_without_either_lean_module(monkeypatch):
    monkeypatch.setitem(sys.modules, "_sha256", None)
    monkeypatch.setitem(sys.modules, "_sha2", None)
    assert cat._sha256(b"abc").hexdigest() == hashlib.sha256(b"abc").hexdigest()
