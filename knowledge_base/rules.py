"""The one definition of what a phone number, an e-mail address and a date look like in the
knowledge base, and when an entry counts as stale. Used by validation, loading and the staff
console alike."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Optional

# Finnish numbers: national ("044 123 4567", "09 2525 0111", "080 005 005", "0295 000 000"),
# international ("+358 44 123 4567") and service numbers ("116 111", "112").
_GROUPS = r"\d{1,4}(?:[ -]\d{1,4})*"
PHONE = re.compile(rf"^(?:0{_GROUPS}|\+358[ -]?[1-9]{_GROUPS}|1\d{{2}}(?: \d{{3}})?)$")
PHONE_DIGITS = (7, 12)  # with the leading 0
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")

# An entry nobody has checked for this long is shown to staff as stale.
STALE_AFTER = dt.timedelta(days=365)


def is_phone(number: Any) -> bool:
    if not isinstance(number, str) or not PHONE.match(number):
        return False
    if number.startswith("1"):
        return True
    digits = re.sub(r"\D", "", number)
    national = "0" + digits[3:] if number.startswith("+") else digits
    return PHONE_DIGITS[0] <= len(national) <= PHONE_DIGITS[1]


def is_email(address: Any) -> bool:
    return isinstance(address, str) and bool(EMAIL.match(address)) and ".." not in address


def parse_date(value: Any) -> Optional[dt.date]:
    """A date written in YAML (read as a date) or as ISO text; None when it is neither."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def checked_date(value: Any) -> Optional[dt.date]:
    """The date of an entry's `checked` field: a date (YAML reads 2026-11-30 as one) or ISO
    text; None for anything else ("30.11.2026", 2026, an empty value)."""
    if isinstance(value, (dt.date, str)):
        return parse_date(value)
    return None


def needs_check(checked: Optional[dt.date], today: dt.date) -> bool:
    """Whether an entry is due for checking: never checked, or not for STALE_AFTER."""
    return checked is None or today - checked > STALE_AFTER


def finnish_date(day: dt.date) -> str:
    return f"{day.day}.{day.month}.{day.year}"
