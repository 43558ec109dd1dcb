"""Write gpt41cost/pricing.json, the pre-parsed sidecar of gpt41cost/pricing.yaml.

Run after editing pricing.yaml: python tools/build_catalog_json.py
(tests/test_catalog.py fails while the sidecar is stale; a stale sidecar is never used).
"""

from __future__ import annotations

from pathlib import Path

from gpt41cost.catalog import parse_catalog, parse_yaml, sidecar_document

YAML = Path(__file__).parent.parent / "gpt41cost" / "pricing.yaml"


def main() -> None:
    raw = YAML.read_bytes()
    document = parse_yaml(raw.decode("utf-8"), str(YAML))
    parse_catalog(document, str(YAML))  # never write a sidecar for a catalog that does not validate
    YAML.with_suffix(".json").write_text(sidecar_document(raw, document), encoding="utf-8")


if __name__ == "__main__":
    main()
