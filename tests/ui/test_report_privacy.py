"""The reports page writes people's names, gender and e-mail only when its check box says so (off by default)."""

from __future__ import annotations

from openpyxl import load_workbook

from tests.ui.test_reports_page import page  # noqa: F401 - the reports page on the small record


def test_excel_export_leaves_people_out_unless_checked(page, tmp_path):  # noqa: F811
    assert not page.include_people.isChecked()
    plain = tmp_path / "plain.xlsx"
    assert page.export("xlsx", plain)
    page.include_people.setChecked(True)
    full = tmp_path / "full.xlsx"
    assert page.export("xlsx", full)
    plain_text = " ".join(str(c.value) for s in load_workbook(plain).worksheets for r in s.iter_rows() for c in r)
    full_text = " ".join(str(c.value) for s in load_workbook(full).worksheets for r in s.iter_rows() for c in r)
    assert "a.saparova@example.kz" not in plain_text and "a.saparova@example.kz" in full_text
