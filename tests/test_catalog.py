from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from gpt41cost.catalog import catalog_path, load_catalog, parse_catalog, rates_for
from gpt41cost.errors import CatalogError, UnknownModelError, UsageError

from .conftest import DATA, ROOT, dump_yaml, fixture_doc

# The published table (docs/accounting.md §2): the shipped catalog must match it exactly.
PUBLISHED = {
    "gpt-4.1": {
        "standard": ("2.00", "0.50", "8.00"),
        "batch": ("1.00", None, "4.00"),
        "priority": ("3.50", "0.875", "14.00"),
        "fine_tuned_standard": ("3.00", "0.75", "12.00"),
        "fine_tuned_batch": ("1.50", None, "6.00"),
        "training": "25.00",
    },
    "gpt-4.1-mini": {
        "standard": ("0.40", "0.10", "1.60"),
        "batch": ("0.20", None, "0.80"),
        "priority": ("0.70", "0.175", "2.80"),
        "fine_tuned_standard": ("0.80", "0.20", "3.20"),
        "fine_tuned_batch": ("0.40", None, "1.60"),
        "training": "5.00",
    },
    "gpt-4.1-nano": {
        "standard": ("0.10", "0.025", "0.40"),
        "batch": ("0.05", None, "0.20"),
        "priority": ("0.20", "0.05", "0.80"),
        "fine_tuned_standard": ("0.20", "0.05", "0.80"),
        "fine_tuned_batch": ("0.10", None, "0.40"),
        "training": "1.50",
    },
}
# docs/accounting.md §9: (rpm, tpm, batch queue, lc rpm, lc tpm, lc queue) per tier
GPT41_LIMITS = {
    1: (500, 30_000, 90_000, 100, 200_000, 2_000_000),
    2: (5_000, 450_000, 1_350_000, 250, 500_000, 20_000_000),
    3: (5_000, 800_000, 50_000_000, 500, 1_000_000, 40_000_000),
    4: (10_000, 2_000_000, 200_000_000, 1_000, 5_000_000, 100_000_000),
    5: (10_000, 30_000_000, 5_000_000_000, 4_000, 10_000_000, 1_000_000_000),
}
MINI_LIMITS = {
    1: (500, 200_000, 2_000_000, 200, 400_000, 5_000_000),
    2: (5_000, 2_000_000, 20_000_000, 500, 1_000_000, 40_000_000),
    3: (5_000, 4_000_000, 40_000_000, 1_000, 2_000_000, 80_000_000),
    4: (10_000, 10_000_000, 1_000_000_000, 2_000, 10_000_000, 200_000_000),
    5: (30_000, 150_000_000, 15_000_000_000, 8_000, 20_000_000, 2_000_000_000),
}


def test_shipped_catalog_matches_published_prices(shipped_catalog):
    for name, lines in PUBLISHED.items():
        p = shipped_catalog.models[name].prices
        for line, expected in lines.items():
            if line == "training":
                assert p.training == Decimal(expected)
                continue
            r = getattr(p, line)
            inp, cached, out = expected
            assert (r.input, r.cached_input, r.output) == (
                Decimal(inp),
                None if cached is None else Decimal(cached),
                Decimal(out),
            ), (name, line)


@pytest.mark.parametrize(
    ("model", "table"),
    [
        pytest.param("gpt-4.1", GPT41_LIMITS, id="gpt-4.1"),
        pytest.param("gpt-4.1-mini", MINI_LIMITS, id="mini"),
        pytest.param("gpt-4.1-nano", MINI_LIMITS, id="nano-same-standard-table"),
    ],
)
def test_shipped_catalog_matches_published_limits(shipped_catalog, model, table):
    for tier, (rpm, tpm, queue, lrpm, ltpm, lqueue) in table.items():
        lim = shipped_catalog.models[model].limits[tier]
        assert (lim.standard.rpm, lim.standard.tpm, lim.standard.batch_queue) == (rpm, tpm, queue)
        assert (lim.long_context.rpm, lim.long_context.tpm, lim.long_context.batch_queue) == (lrpm, ltpm, lqueue)
    assert shipped_catalog.models[model].limits[1].standard.rpd == (None if model == "gpt-4.1" else 10_000)


def test_shipped_catalog_rules(shipped_catalog):
    c = shipped_catalog
    assert (c.cache_min_tokens, c.cache_step_tokens) == (1024, 128)
    assert (c.batch_max_requests, c.batch_max_file_bytes) == (50_000, 200_000_000)
    assert c.models["gpt-4.1-nano"].limits[3].long_context.inferred
    assert not c.models["gpt-4.1-mini"].limits[3].long_context.inferred
    assert [c.tiers[t].monthly_usage_cap_usd for t in (1, 2, 3, 4, 5)] == [
        Decimal(x) for x in ("100", "500", "1000", "5000", "200000")
    ]
    for spec in c.models.values():
        assert (spec.context_window, spec.max_output_tokens, spec.encoding) == (1_047_576, 32_768, "o200k_base")


def test_top_level_pricing_yaml_is_the_shipped_one():
    assert (ROOT / "pricing.yaml").read_text() == (ROOT / "gpt41cost" / "pricing.yaml").read_text()


@pytest.mark.parametrize(
    ("name", "label", "fine_tuned"),
    [
        pytest.param("gpt-4.1", "gpt-4.1", False, id="alias"),
        pytest.param("gpt-4.1-mini-2025-04-14", "gpt-4.1-mini-2025-04-14", False, id="snapshot"),
        pytest.param(
            "ft:gpt-4.1-mini-2025-04-14:acme::abc123", "ft:gpt-4.1-mini-2025-04-14:acme::abc123", True, id="fine-tuned"
        ),
        pytest.param("ft:gpt-4.1-nano:acme:support:xyz", "ft:gpt-4.1-nano:acme:support:xyz", True, id="ft-alias"),
    ],
)
def test_resolve(catalog, name, label, fine_tuned):
    m = catalog.resolve(name)
    assert (m.label, m.fine_tuned) == (label, fine_tuned)


def test_fine_tuned_prices(catalog):
    m = catalog.resolve("ft:gpt-4.1-2025-04-14:org::abc")
    assert rates_for(m, "standard").input == Decimal("3.00")
    assert rates_for(m, "batch").output == Decimal("6.00")
    with pytest.raises(UsageError, match="no priority prices"):
        rates_for(m, "priority")


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        pytest.param("gpt-4.1-mino", "gpt-4.1-mini", id="typo"),
        pytest.param("gpt41", "gpt-4.1", id="no-dashes"),
        pytest.param("ft:gpt-4o:org::x", "gpt-4.1", id="ft-other-family"),
    ],
)
def test_unknown_model_lists_close_matches(catalog, name, suggestion):
    with pytest.raises(UnknownModelError) as exc:
        catalog.resolve(name)
    assert suggestion in str(exc.value)
    assert name in str(exc.value)


def _doc() -> dict:
    return fixture_doc()


def _mutate(doc, path, value):
    keys = path.split("/")
    node = doc
    for k in keys[:-1]:
        node = node[int(k) if k.isdigit() and int(k) in node else k]
    last = keys[-1]
    last_key = int(last) if last.isdigit() and int(last) in node else last
    if value is KeyError:
        del node[last_key]
    else:
        node[last_key] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        pytest.param(
            "models/gpt-4.1/prices/standard/input",
            KeyError,
            "models.gpt-4.1.prices.standard.input: missing key",
            id="missing-key",
        ),
        pytest.param("models/gpt-4.1/prices/standard/input", "-2.00", "cannot be negative, got -2.00", id="negative"),
        pytest.param("models/gpt-4.1/prices/standard/output", 8.0, "is a float", id="float"),
        pytest.param("models/gpt-4.1/prices/standard/output", "eight", "is not a number", id="not-a-number"),
        pytest.param("models/gpt-4.1/limits/6", {"rpm": 1}, "models.gpt-4.1.limits.6: unknown tier", id="unknown-tier"),
        pytest.param("models/gpt-4.1/limits/3", KeyError, "models.gpt-4.1.limits.3: missing tier", id="missing-tier"),
        pytest.param("models/gpt-4.1/limits/1/tpm", -5, "below the minimum", id="negative-limit"),
        pytest.param("models/gpt-4.1/prices/standard/inptu", "1", "unknown key", id="unknown-key"),
        pytest.param("caching", KeyError, "caching: missing key", id="missing-section"),
        pytest.param("models/gpt-4.1/encoding", "cl100k_base", "unsupported encoding", id="bad-encoding"),
    ],
)
def test_bad_catalog_names_key_path(tmp_path, path, value, message):
    bad = tmp_path / "bad.yaml"
    bad.write_text(dump_yaml(_mutate(_doc(), path, value)))
    with pytest.raises(CatalogError) as exc:
        load_catalog(bad)
    assert str(bad) in str(exc.value)
    assert message in str(exc.value)


def test_yaml_syntax_error_names_line(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("schema_version: 1\nmodels: {gpt-4.1: [\n")
    with pytest.raises(CatalogError, match=r"broken\.yaml:\d+: YAML syntax error"):
        load_catalog(bad)


def test_missing_catalog(tmp_path):
    with pytest.raises(CatalogError, match="not found"):
        load_catalog(tmp_path / "nope.yaml")


def test_a_catalog_is_read_on_every_load_and_parsed_once_per_content(tmp_path):
    """The file is read on every load: bytes loaded before give the catalog built then (the same
    object), edited bytes are parsed again, and bytes that are not UTF-8 are refused every time."""
    y = tmp_path / "p.yaml"
    text = (DATA / "pricing-fixture.yaml").read_bytes()
    y.write_bytes(text)
    first = load_catalog(y)
    assert load_catalog(y) is first
    y.write_bytes(text.replace(b'input: "2.00"', b'input: "2.50"', 1))
    assert load_catalog(y).models["gpt-4.1"].prices.standard.input == Decimal("2.50")
    y.write_bytes(b"# caf\xe9\n" + text)
    for _ in range(2):
        with pytest.raises(CatalogError, match=rf"^{y}: cannot read pricing catalog: 'utf-8' codec can't decode"):
            load_catalog(y)
    y.write_bytes(text)
    assert load_catalog(y) is first


def test_a_catalog_not_utf8_is_one_line(cli, tmp_path):
    y = tmp_path / "p.yaml"
    y.write_bytes(b"# caf\xe9\n" + (DATA / "pricing-fixture.yaml").read_bytes())
    r = cli("pricing", "--pricing", y)
    assert (r.exit_code, r.stdout, r.stderr.count("\n")) == (4, "", 1)
    assert f"{y}: cannot read pricing catalog" in r.stderr


def test_catalog_is_immutable(catalog):
    with pytest.raises(TypeError):
        catalog.models["x"] = None  # type: ignore[index]
    with pytest.raises(AttributeError):
        catalog.as_of = "x"  # type: ignore[misc]


def test_catalog_path_precedence(monkeypatch):
    assert catalog_path("a.yaml", {"GPT41COST_PRICING": "b.yaml"}) == "a.yaml"
    assert catalog_path(None, {"GPT41COST_PRICING": "b.yaml"}) == "b.yaml"
    assert Path(catalog_path(None, {})).name == "pricing.yaml"


def test_parse_rejects_non_mapping():
    with pytest.raises(CatalogError, match="expected a mapping"):
        parse_catalog(["not", "a", "mapping"], "x.yaml")


def test_shipped_sidecar_is_up_to_date_and_equal_to_the_yaml(tmp_path, monkeypatch):
    import dataclasses
    import hashlib
    import json

    from gpt41cost import catalog

    shipped = Path(catalog.default_catalog_path())
    copy = tmp_path / "pricing.yaml"
    copy.write_bytes(shipped.read_bytes())
    from_yaml = load_catalog(copy)  # a catalog the user names is its YAML, parsed

    def stale(*args, **kwargs):
        raise AssertionError("gpt41cost/pricing.json is stale: run python tools/build_catalog_json.py")

    monkeypatch.setattr(catalog, "parse_yaml", stale)
    from_sidecar = load_catalog(shipped)  # the shipped one is read from its sidecar, no YAML parsed
    assert dataclasses.replace(from_sidecar, path=from_yaml.path) == from_yaml
    # the sidecar is the YAML's (this process may have loaded the shipped catalog before)
    recorded = json.loads(shipped.with_suffix(".json").read_bytes())["yaml_sha256"]
    assert recorded == hashlib.sha256(shipped.read_bytes()).hexdigest(), "run python tools/build_catalog_json.py"


def test_a_json_beside_a_users_catalog_is_never_read(tmp_path):
    """Issue #18: --pricing X.yaml reads X.yaml alone, even when an X.json beside it matches."""
    import hashlib
    import json

    y = tmp_path / "p.yaml"
    y.write_bytes((DATA / "pricing-fixture.yaml").read_bytes())
    doc = fixture_doc()  # what y holds
    doc["models"]["gpt-4.1"]["prices"]["standard"]["input"] = "999"
    sha = hashlib.sha256(y.read_bytes()).hexdigest()
    (tmp_path / "p.json").write_text(json.dumps({"yaml_sha256": sha, "catalog": doc}))
    assert load_catalog(y).models["gpt-4.1"].prices.standard.input == Decimal("2.00")
    (tmp_path / "p.json").unlink()
    (tmp_path / "p.json").mkdir()  # not even opened: a directory (or a FIFO) there changes nothing
    assert load_catalog(y).models["gpt-4.1"].prices.standard.input == Decimal("2.00")


def test_stale_or_broken_sidecar_is_ignored(tmp_path, monkeypatch):
    import json

    y = tmp_path / "p.yaml"
    monkeypatch.setattr("gpt41cost.catalog.default_catalog_path", lambda: str(y))  # y is the shipped catalog
    y.write_text((DATA / "pricing-fixture.yaml").read_text())
    doc = fixture_doc()  # what y holds
    doc["models"]["gpt-4.1"]["prices"]["standard"]["input"] = "999"
    # a sidecar for other YAML bytes: never used
    (tmp_path / "p.json").write_text(json.dumps({"yaml_sha256": "0" * 64, "catalog": doc}))
    assert load_catalog(y).models["gpt-4.1"].prices.standard.input == Decimal("2.00")
    (tmp_path / "p.json").write_text("{not json")
    assert load_catalog(y).models["gpt-4.1"].prices.standard.input == Decimal("2.00")


def test_sidecar_is_validated_like_yaml(tmp_path, monkeypatch):
    import hashlib
    import json

    y = tmp_path / "p.yaml"
    monkeypatch.setattr("gpt41cost.catalog.default_catalog_path", lambda: str(y))  # y is the shipped catalog
    y.write_bytes((DATA / "pricing-fixture.yaml").read_bytes())
    doc = fixture_doc()  # what y holds
    doc["models"]["gpt-4.1"]["prices"]["standard"]["input"] = "-1"
    sha = hashlib.sha256(y.read_bytes()).hexdigest()
    (tmp_path / "p.json").write_text(json.dumps({"yaml_sha256": sha, "catalog": doc}))
    with pytest.raises(CatalogError, match="cannot be negative"):
        load_catalog(y)


def test_a_directory_given_as_the_catalog_says_to_give_a_yaml_file(cli, tmp_path: Path) -> None:
    """Review 20d: it said 'is a directory; pass it as a directory argument (pricing catalog)',
    the prompt reader's advice."""
    said = f"{tmp_path}: a directory, not a pricing catalog; give the path of a pricing YAML file"
    with pytest.raises(CatalogError, match="a directory, not a pricing catalog") as err:
        load_catalog(tmp_path)
    assert str(err.value) == said
    r = cli(["pricing", "--pricing", str(tmp_path)])
    assert (r.exit_code, r.stdout, r.stderr) == (4, "", f"gpt41cost: error: {said}\n")
