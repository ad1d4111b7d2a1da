"""The permission matrix is written down once in code; README.md shows the same table
between `<!-- permissions:start -->` and `<!-- permissions:end -->` (regenerate it with
`relasi permissions`)."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

from django.core.management import call_command

from relasi.accounts.enums import Role
from relasi.accounts.permissions import PERM_DESCRIPTIONS, Perm, permission_matrix_markdown

README = Path(__file__).resolve().parents[2] / "README.md"
START, END = "<!-- permissions:start -->", "<!-- permissions:end -->"


def _cells(table: str) -> list[list[str]]:
    """The table's rows as stripped cells, so column padding does not matter."""
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")] for line in table.strip().splitlines()
    ]


def test_readme_shows_the_permission_matrix_from_the_code() -> None:
    # given
    text = README.read_text(encoding="utf-8")
    assert START in text, f"README.md needs the {START} … {END} markers"
    assert END in text, f"README.md needs the {START} … {END} markers"
    in_readme = text.split(START, 1)[1].split(END, 1)[0]
    # then
    assert _cells(in_readme) == _cells(permission_matrix_markdown()), (
        "README.md's permission table is out of date; paste the output of `relasi permissions`."
    )


def test_every_permission_has_a_description() -> None:
    # then
    assert set(PERM_DESCRIPTIONS) == set(Perm)


def test_table_has_a_column_per_role_and_marks_the_allowed_cells() -> None:
    # when
    rows = _cells(permission_matrix_markdown())
    # then
    header, _separator, *body = rows
    assert header == ["Permission", "What it allows", "Owner", "Admin", "Sales", "Finance", "Agent", "Viewer"]
    assert len(body) == len(Perm)
    by_perm = {row[0]: row[2:] for row in body}
    assert by_perm["`members.manage`"] == ["✓", "✓", "", "", "", ""]
    assert by_perm["`contacts.view`"] == ["✓"] * len(Role)
    assert by_perm["`contacts.export`"] == ["✓", "✓", "✓", "✓", "", ""]


def test_permissions_command_prints_the_table() -> None:
    # given
    out = StringIO()
    # when
    call_command("permissions", stdout=out)
    # then
    assert out.getvalue() == permission_matrix_markdown()
