"""Cells for CSV exports that staff open in a spreadsheet (OWASP CSV injection)."""
from __future__ import annotations

# A cell starting with one of these may be read as a formula (tab, CR and LF can hide one).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value) -> str:
    """Plain text for a spreadsheet: NUL removed, and a leading ' before anything that
    could start a formula."""
    text = "" if value is None else str(value)
    text = text.replace("\x00", "")
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
