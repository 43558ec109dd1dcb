"""The shipped catalog's sidecar check hashes with the standard library's lean sha256 where there
is one, else hashlib's (OpenSSL): the same digest either way, so the same catalog is loaded."""

from __future__ import annotations

import hashlib
import sys

from gpt41cost import catalog as cat


def test_the_lean_sha256_and_hashlibs_agree(monkeypatch):
    data = cat.Path(cat.default_catalog_path()).read_bytes()
    lean = cat._sha256(data).hexdigest()
    monkeypatch.setitem(sys.modules, "_sha256", None)  # as on an interpreter without it: hashlib's
    assert cat._sha256(data).hexdigest() == lean == hashlib.sha256(data).hexdigest()
    for raw in (b"", b"abc", data + b"x"):
        assert cat._sha256(raw).hexdigest() == hashlib.sha256(raw).hexdigest()


def test_the_sidecar_is_taken_with_either_hash(monkeypatch):
    path = cat.default_catalog_path()
    raw = cat.Path(path).read_bytes()
    sidecar = cat._sidecar_bytes(cat.Path(path))
    assert sidecar is not None
    taken = cat._sidecar(sidecar, raw)
    assert taken is not None  # the shipped sidecar matches its YAML
    monkeypatch.setitem(sys.modules, "_sha256", None)
    assert cat._sidecar(sidecar, raw) == taken
    assert cat._sidecar(sidecar, raw + b"\n") is None  # another YAML: the sidecar is not used
