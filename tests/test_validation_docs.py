"""data/README.md carries the contract reference generated from schema.py, so it cannot drift."""

from __future__ import annotations

from pathlib import Path

from ontrack_model import schema
from ontrack_model.validation.docs import BEGIN, END, README, contract_markdown, update_readme
from ontrack_model.validation.engine import ALL_TABLES


def test_readme_holds_the_generated_contract_verbatim() -> None:
    text = README.read_text(encoding="utf-8")
    assert contract_markdown() in text, "run: python -m ontrack_model.validation.docs"


def test_contract_names_every_table_column_code_and_foreign_key() -> None:
    doc = contract_markdown()
    for table in ALL_TABLES.values():
        assert f"### `{table.name}`" in doc
        for col in table.columns:
            assert f"| `{col.name}` |" in doc
            for code in col.codes or ():
                assert f"`{code}`" in doc
    for child, column, parent, parent_column in schema.FOREIGN_KEYS:
        assert f"| `{child}.{column}` | `{parent}.{parent_column}` |" in doc
    for factor, meaning in schema.ASSESSMENT_FACTORS.items():
        assert f"`{factor}` {meaning}" in doc


def test_update_readme_replaces_a_stale_section(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# Guide\n\nintro\n\n{BEGIN}\nold table list\n{END}\n\nafter\n", encoding="utf-8")
    assert update_readme(readme) is True
    text = readme.read_text(encoding="utf-8")
    assert "old table list" not in text and contract_markdown() in text
    assert text.startswith("# Guide\n\nintro\n\n") and text.endswith("\n\nafter\n")
    assert update_readme(readme) is False
