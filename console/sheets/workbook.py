"""The workbook staff download and upload (openpyxl).

Sheet "Kysymykset ja vastaukset": one row per example question. A topic's first row also holds
its title and answer; its other rows leave them empty, and every row names the topic, so that
sorting or filtering keeps a topic's rows together and a new example is one new row (topic +
question). One question per cell is what Excel and LibreOffice edit comfortably; several lines
in one cell need Alt+Enter and are easily lost.

Sheet "Yhteystiedot": one row per person of knowledge/contacts.yml, found by its id
(Tunniste). Several phone numbers are separated by commas. The region is shown by name.

Reading turns the upload into plain rows (JSON-serialisable) or raises SheetProblem with a
Finnish explanation; what the rows mean for the project is decided in console.sheets.changes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import zipfile
from typing import Any, Dict, Iterable, List, Optional, Sequence

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from console.texts import say

QA_SHEET = "Kysymykset ja vastaukset"
CONTACTS_SHEET = "Yhteystiedot"
HELP_SHEET = "Ohje"
QA_HEADERS = ("Aihe", "Otsikko", "Vastaus", "Esimerkkikysymys")
QA_WIDTHS = (26, 40, 90, 60)
CONTACT_HEADERS = (
    "Tunniste",
    "Nimi",
    "Rooli",
    "Organisaatio",
    "Alue",
    "Puhelin",
    "Sähköposti",
    "Lähde",
    "Voimassa alkaen",
    "Voimassa asti",
)
CONTACT_WIDTHS = (24, 24, 50, 30, 18, 28, 34, 30, 16, 16)
# The contact fields of the sheet's columns after Tunniste, as console.sheets.changes names them.
CONTACT_FIELDS = (
    "name",
    "role",
    "organisation",
    "region",
    "phone",
    "email",
    "source",
    "valid.from",
    "valid.until",
)
DATE_FORMAT = "yyyy-mm-dd"
# Limits against a file that is not what staff edit (a zip bomb, a huge export of elsewhere).
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ROWS = 20000


class SheetProblem(Exception):
    """The upload cannot be read as this workbook; the message is for staff."""


@dataclasses.dataclass(frozen=True)
class TopicRow:
    topic: str
    title: str
    answer: str
    examples: Sequence[str]


@dataclasses.dataclass(frozen=True)
class ContactRow:
    id: str
    values: Dict[str, Any]  # CONTACT_FIELDS -> str, list of str (phone), date, or None


def export(topics: Iterable[TopicRow], contacts: Iterable[ContactRow]) -> bytes:
    """The workbook as bytes."""
    book = Workbook()
    qa = book.active
    qa.title = QA_SHEET
    _header(qa, QA_HEADERS, QA_WIDTHS)
    for topic in topics:
        examples = list(topic.examples) or [""]
        for index, example in enumerate(examples):
            first = index == 0
            qa.append(
                [
                    topic.topic,
                    topic.title if first else None,
                    topic.answer if first else None,
                    example,
                ]
            )
    for row in qa.iter_rows(min_row=2, min_col=3, max_col=3):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    people = book.create_sheet(CONTACTS_SHEET)
    _header(people, CONTACT_HEADERS, CONTACT_WIDTHS)
    for contact in contacts:
        values = contact.values
        people.append(
            [contact.id]
            + [
                ", ".join(values[f]) if f == "phone" and values.get(f) else values.get(f)
                for f in CONTACT_FIELDS
            ]
        )
    for row in people.iter_rows(min_row=2):
        row[5].number_format = "@"  # a phone number stays text: 040 ... keeps its 0
        for cell in row[8:10]:
            if isinstance(cell.value, dt.date):
                cell.number_format = DATE_FORMAT
    for sheet in (qa, people):
        _as_text(sheet)
    guide = book.create_sheet(HELP_SHEET)
    guide.column_dimensions["A"].width = 110
    for line in say("sheets.help").split("\n"):
        guide.append([line])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _as_text(sheet: Any) -> None:
    """A text that starts with "=" stays text: openpyxl would write it as a formula."""
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def _header(sheet: Any, headers: Sequence[str], widths: Sequence[int]) -> None:
    sheet.append(list(headers))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.cell(row=1, column=index).font = Font(bold=True)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}1"


def read(content: bytes) -> Dict[str, List[Dict[str, Any]]]:
    """The upload's rows: {"topics": [{row, topic, title, answer, example}],
    "contacts": [{row, id, <CONTACT_FIELDS>}]}, with empty rows left out."""
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise SheetProblem(say("sheets.not_xlsx"))
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise SheetProblem(say("sheets.too_big_unpacked"))
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise SheetProblem(say("sheets.not_xlsx")) from None
    try:
        missing = [name for name in (QA_SHEET, CONTACTS_SHEET) if name not in book.sheetnames]
        if missing:
            raise SheetProblem(
                say("sheets.missing_sheets", missing=", ".join(f"”{m}”" for m in missing))
            )
        return {
            "topics": [
                {"row": n, "topic": r[0], "title": r[1], "answer": r[2], "example": r[3]}
                for n, r in _rows(book[QA_SHEET], QA_SHEET, QA_HEADERS)
            ],
            "contacts": [
                {"row": n, "id": r[0], **dict(zip(CONTACT_FIELDS, r[1:], strict=True))}
                for n, r in _rows(book[CONTACTS_SHEET], CONTACTS_SHEET, CONTACT_HEADERS)
            ],
        }
    finally:
        book.close()


def _rows(sheet: Any, name: str, headers: Sequence[str]) -> Iterable[tuple]:
    rows = sheet.iter_rows(values_only=True)
    first = next(rows, None) or ()
    found = [_text(v) for v in list(first)[: len(headers)]]
    if [h.lower() for h in found] != [h.lower() for h in headers]:
        raise SheetProblem(
            say(
                "sheets.wrong_headers",
                sheet=name,
                expected=", ".join(headers),
                found=", ".join(h or "(tyhjä)" for h in found) or "(tyhjä)",
            )
        )
    result = []
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS:
            raise SheetProblem(say("sheets.too_many_rows", sheet=name, limit=MAX_ROWS))
        cells = [_value(v) for v in (list(values) + [None] * len(headers))[: len(headers)]]
        if any(c not in (None, "") for c in cells):
            result.append((number, cells))
    return result


def _value(value: Any) -> Any:
    """A cell as text (dates as YYYY-MM-DD, whole numbers without ".0"); None when empty."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    return text or None


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def split_phones(text: Optional[str]) -> List[str]:
    """'040 1, 044 2' (or one per line, or with semicolons) -> ['040 1', '044 2']."""
    if not text:
        return []
    parts = text.replace(";", ",").replace("\n", ",").split(",")
    return [" ".join(p.split()) for p in parts if p.strip()]
