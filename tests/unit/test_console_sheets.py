"""The console's spreadsheets (console/sheets) with Django's test client on a copy of the
fixture project: the exported workbook reopened with openpyxl, an edited workbook's changes
and the project's checks shown before anything changes, and the confirmed import written into
the draft (console.publishing.draft): the live files stay as they were until it is published."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any, Dict

import openpyxl
import pytest
import yaml

from tests.support.console import PASSWORD, django_ready
from tests.unit.test_console import ConsoleTestCase

django_ready()

from django.conf import settings  # noqa: E402

from console.accounts.roles import JULKAISIJA, create_account  # noqa: E402  (after django_ready)
from console.audit.models import FAQ_SAVED, Entry  # noqa: E402
from console.sheets import contacts_yaml, staging, workbook  # noqa: E402
from console.sheets.views import CONTACT_SAVED, SHEET_EXPORTED, SHEET_IMPORTED  # noqa: E402

pytestmark = pytest.mark.usefixtures("console_db")

TOPIC = "erokahvila"
QA = "Kysymykset ja vastaukset"
CONTACTS = "Yhteystiedot"
UPLOAD, PREVIEW, CONFIRM = (
    "/taulukot/tuo/",
    "/taulukot/tuo/esikatselu/",
    "/taulukot/tuo/vie-luonnokseen/",
)


def as_upload(book: Any, name: str = "muokattu.xlsx") -> io.BytesIO:
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = name
    return buffer


def first_row_of(sheet: Any, value: str) -> int:
    return next(row[0].row for row in sheet.iter_rows(min_row=2) if row[0].value == value)


class SheetTests(ConsoleTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.contacts_file = self.root / "knowledge" / "contacts.yml"  # live
        self.contacts_draft = self.root / "var" / "luonnos" / "knowledge" / "contacts.yml"
        self.contacts_original = self.contacts_file.read_text(encoding="utf-8")

    def exported(self) -> Any:
        reply = self.client.get("/taulukot/lataa/")
        self.assertEqual(reply.status_code, 200)
        return openpyxl.load_workbook(io.BytesIO(reply.content))

    def upload(self, book: Any, name: str = "muokattu.xlsx") -> Any:
        return self.client.post(UPLOAD, {"workbook": as_upload(book, name)})

    def assert_live_unchanged(self) -> None:
        self.assertEqual(self.topic_file.read_text(encoding="utf-8"), self.original)
        self.assertEqual(self.contacts_file.read_text(encoding="utf-8"), self.contacts_original)

    def assert_nothing_written(self) -> None:
        self.assert_live_unchanged()
        for written, original in (
            (self.draft_file, self.original),
            (self.contacts_draft, self.contacts_original),
        ):
            if written.exists():
                self.assertEqual(written.read_text(encoding="utf-8"), original)
        self.assertFalse(Entry.objects.filter(action__in=[FAQ_SAVED, SHEET_IMPORTED]).exists())

    def test_export_holds_every_topic_and_contact(self) -> None:
        self.login(self.muokkaaja)
        book = self.exported()
        self.assertEqual(book.sheetnames[:2], [QA, CONTACTS])
        qa = book[QA]
        self.assertEqual(
            [c.value for c in qa[1]], ["Aihe", "Otsikko", "Vastaus", "Esimerkkikysymys"]
        )
        self.assertEqual(qa.freeze_panes, "A2")
        self.assertGreater(qa.column_dimensions["C"].width, 50)
        topic = yaml.safe_load(self.original)
        examples = topic["nlu"][0]["examples"].splitlines()
        rows = [r for r in qa.iter_rows(min_row=2, values_only=True) if r[0] == TOPIC]
        self.assertEqual(len(rows), len(examples))
        self.assertEqual(rows[0][1], "Mikä on erokahvila?")
        self.assertEqual(rows[0][2], topic["responses"][f"utter_faq/{TOPIC}"][0]["text"])
        self.assertEqual([r[3] for r in rows], [e[2:] for e in examples])
        self.assertTrue(all(r[1] is None and r[2] is None for r in rows[1:]))
        people = book[CONTACTS]
        self.assertEqual(people.freeze_panes, "A2")
        self.assertEqual(
            [c.value for c in people[1]][:7],
            ["Tunniste", "Nimi", "Rooli", "Organisaatio", "Alue", "Puhelin", "Sähköposti"],
        )
        satu = next(
            r for r in people.iter_rows(min_row=2, values_only=True) if r[0] == "satu-auvinen"
        )
        self.assertEqual(
            satu[1:8],
            (
                "Satu Auvinen",
                satu[2],
                "Essote",
                "Etelä-Savo",
                "044 351 2302",
                "satu.auvinen@essote.fi",
                "000_08ac0caceaa82e06.txt",
            ),
        )
        self.assertEqual(
            (satu[8].date(), satu[9].date()), (dt.date(2020, 1, 1), dt.date(2021, 12, 31))
        )
        contacts = yaml.safe_load(self.contacts_original)["contacts"]
        self.assertEqual(people.max_row - 1, len(contacts))
        self.assertTrue(Entry.objects.filter(action=SHEET_EXPORTED, username="maija").exists())

    def test_an_edited_answer_is_shown_then_written_on_confirmation(self) -> None:
        self.login(self.julkaisija)
        book = self.exported()
        qa = book[QA]
        row = first_row_of(qa, TOPIC)
        old_answer = qa.cell(row=row, column=3).value
        new_answer = old_answer.replace("Kysy, järjestetäänkö", "Kysy lämpimästi, järjestetäänkö")
        qa.cell(row=row, column=3).value = new_answer
        qa.append([TOPIC, None, None, "voiko erokahvilaan tulla lapsen kanssa"])
        self.assertRedirects(self.upload(book), PREVIEW, fetch_redirect_response=False)
        kept = (
            settings.VAR_DIR / "sheet-imports" / f"{self.client.session[staging.SESSION_KEY]}.json"
        )
        self.assertTrue(kept.is_file())
        self.assertEqual(kept.stat().st_mode & 0o777, 0o600)
        page = self.client.get(PREVIEW)
        self.assertContains(page, f"Aihe {TOPIC}")
        self.assertContains(page, "Vastaus ennen")
        self.assertContains(page, '<ins aria-label="lisätty">Kysy lämpimästi,</ins>')
        self.assertContains(page, "<li>voiko erokahvilaan tulla lapsen kanssa</li>", html=True)
        self.assertContains(page, "Vie luonnokseen")
        self.assertNotContains(page, "Yhteystiedot (")  # no contact changed
        self.assert_nothing_written()  # the preview changes nothing
        plan = page.context["plan"]
        reply = self.client.post(CONFIRM, {"fingerprint": plan.fingerprint})
        self.assertRedirects(reply, "/taulukot/", fetch_redirect_response=False)
        data = yaml.safe_load(self.draft_file.read_text(encoding="utf-8"))
        self.assertEqual(data["responses"][f"utter_faq/{TOPIC}"][0]["text"], new_answer)
        self.assertEqual(
            data["nlu"][0]["examples"].splitlines()[-1], "- voiko erokahvilaan tulla lapsen kanssa"
        )
        self.assertTrue(self.draft_file.read_text(encoding="utf-8").startswith("#"))  # comment kept
        self.assertEqual(self.contacts_draft.read_text(encoding="utf-8"), self.contacts_original)
        self.assert_live_unchanged()  # until the draft is published
        saved = Entry.objects.get(action=FAQ_SAVED)
        self.assertEqual(saved.details["answer"]["after"], new_answer)
        self.assertEqual(saved.details["from"], "taulukko")
        self.assertEqual(Entry.objects.get(action=SHEET_IMPORTED).details["topics"], [TOPIC])
        self.assertFalse(kept.exists())  # the upload is forgotten once written
        self.assertContains(self.client.get("/taulukot/"), "Ne ovat luonnoksessa")

    def test_a_changed_phone_number_is_written_in_the_files_own_text(self) -> None:
        self.login(self.julkaisija)
        book = self.exported()
        people = book[CONTACTS]
        row = first_row_of(people, "hanna-kokkonen")
        people.cell(row=row, column=6).value = "040 359 8520, 015 123 4567"
        self.upload(book)
        page = self.client.get(PREVIEW)
        self.assertContains(page, f"rivi {row}")
        self.assertContains(page, "<td>040 359 8519</td>", html=True)
        self.assertContains(page, "<td>040 359 8520, 015 123 4567</td>", html=True)
        reply = self.client.post(CONFIRM, {"fingerprint": page.context["plan"].fingerprint})
        self.assertEqual(reply.status_code, 302)
        after = self.contacts_draft.read_text(encoding="utf-8")
        self.assertEqual(
            after,
            self.contacts_original.replace(
                "phone: [040 359 8519]", "phone: [040 359 8520, 015 123 4567]", 1
            ),
        )
        self.assert_live_unchanged()
        entry = Entry.objects.get(action=CONTACT_SAVED)
        self.assertEqual(entry.details["phone"]["after"], "040 359 8520, 015 123 4567")

    def test_an_invalid_phone_number_is_refused_with_its_row(self) -> None:
        self.login(self.julkaisija)
        book = self.exported()
        people = book[CONTACTS]
        row = first_row_of(people, "satu-auvinen")
        people.cell(row=row, column=6).value = "12345abc"
        self.upload(book)
        page = self.client.get(PREVIEW)
        self.assertContains(page, "Tarkistus löysi virheitä")
        self.assertContains(
            page, f"Satu Auvinen (satu-auvinen; välilehti ”Yhteystiedot”, rivi {row})"
        )
        self.assertContains(page, "puhelinnumero ”12345abc” ei ole suomalaisessa muodossa")
        self.assertNotContains(page, "Vie luonnokseen</button>")
        plan = page.context["plan"]
        self.assertFalse(plan.ok)
        reply = self.client.post(CONFIRM, {"fingerprint": plan.fingerprint})
        self.assertEqual(reply.status_code, 400)
        self.assert_nothing_written()

    def test_a_wrong_file_type_is_refused_in_finnish(self) -> None:
        self.login(self.julkaisija)
        csv = io.BytesIO(b"Aihe;Vastaus\nerokahvila;x\n")
        csv.name = "taulukko.csv"
        reply = self.client.post(UPLOAD, {"workbook": csv})
        self.assertContains(reply, "ei ole .xlsx-taulukko", status_code=400)
        self.assertContains(reply, 'id="workbook-virheet"', status_code=400)
        fake = io.BytesIO(b"not a zip at all")
        fake.name = "taulukko.xlsx"
        reply = self.client.post(UPLOAD, {"workbook": fake})
        self.assertContains(reply, "Tiedostoa ei voitu lukea Excel-taulukkona", status_code=400)
        self.assertNotIn(staging.SESSION_KEY, self.client.session)
        self.assert_nothing_written()

    def test_wrong_headers_and_an_unknown_topic_are_named(self) -> None:
        self.login(self.julkaisija)
        book = self.exported()
        book[QA].cell(row=1, column=3).value = "Vastaukset"
        reply = self.upload(book)
        self.assertContains(
            reply, "ensimmäisellä rivillä pitää olla sarakkeiden otsikot", status_code=400
        )
        self.assertContains(reply, "Vastaukset", status_code=400)
        book = self.exported()
        book[QA].append(["erokahvilaa", None, "Vastaus.", "kysymys"])
        self.upload(book)
        page = self.client.get(PREVIEW)
        self.assertContains(page, f"rivi {book[QA].max_row}: Aihetta ”erokahvilaa” ei ole")
        self.assertContains(page, "Lähin olemassa oleva: erokahvila")
        self.assertNotContains(page, "Vie luonnokseen</button>")
        self.assert_nothing_written()

    def test_a_check_finding_is_shown_at_its_topic_and_a_title_is_not_taken(self) -> None:
        self.login(self.julkaisija)
        book = self.exported()
        qa = book[QA]
        row = first_row_of(qa, TOPIC)
        qa.cell(row=row, column=2).value = "Uusi otsikko"
        qa.append([TOPIC, None, None, "mikä on PERHEKESKUS"])
        self.upload(book)
        page = self.client.get(PREVIEW)
        change = page.context["plan"].topics[0]
        self.assertEqual(change.topic, TOPIC)
        self.assertTrue(
            any("perhekeskus" in f and "kahteen aiheeseen" in f for f in change.findings),
            (change.findings, page.context["plan"].general),
        )
        self.assertContains(page, "Tarkistus löysi virheitä")
        self.assertContains(page, f"rivi {row}: Aiheen {TOPIC} otsikon muutosta ei tuoda")
        self.assertNotContains(page, "Vie luonnokseen</button>")
        self.assert_nothing_written()

    def test_a_contact_outside_the_accounts_regions_is_refused(self) -> None:
        limited = create_account("kaisa", PASSWORD, JULKAISIJA, ["keski-suomi"])
        self.login(limited)
        book = self.exported()
        people = book[CONTACTS]
        row = first_row_of(people, "satu-auvinen")
        people.cell(row=row, column=7).value = "satu.a@essote.fi"
        self.upload(book)
        page = self.client.get(PREVIEW)
        self.assertContains(page, f"rivi {row}: Tunnuksesi ei saa muuttaa alueen Etelä-Savo")
        self.assert_nothing_written()

    def test_a_file_changed_after_the_preview_is_not_overwritten(self) -> None:
        self.login(self.julkaisija)
        book = self.exported()
        qa = book[QA]
        qa.cell(row=first_row_of(qa, TOPIC), column=3).value = "Erokahvila on vertaistukea."
        self.upload(book)
        plan = self.client.get(PREVIEW).context["plan"]
        # Someone else saves the topic into the draft meanwhile.
        self.draft_file.write_text(self.original + "# someone else\n", encoding="utf-8")
        reply = self.client.post(CONFIRM, {"fingerprint": plan.fingerprint})
        self.assertContains(reply, "Tiedostoja on muutettu sillä välin", status_code=409)
        self.assertEqual(
            self.draft_file.read_text(encoding="utf-8"), self.original + "# someone else\n"
        )
        self.assert_live_unchanged()

    def test_a_muokkaajas_import_goes_to_the_draft_and_the_live_files_stay(self) -> None:
        self.login(self.muokkaaja)
        book = self.exported()
        qa = book[QA]
        qa.cell(row=first_row_of(qa, TOPIC), column=3).value = "Erokahvila on vertaistukea."
        self.upload(book)
        page = self.client.get(PREVIEW)
        self.assertContains(page, "Vie luonnokseen</button>")
        reply = self.client.post(CONFIRM, {"fingerprint": page.context["plan"].fingerprint})
        self.assertRedirects(reply, "/taulukot/", fetch_redirect_response=False)
        data = yaml.safe_load(self.draft_file.read_text(encoding="utf-8"))
        self.assertEqual(
            data["responses"][f"utter_faq/{TOPIC}"][0]["text"], "Erokahvila on vertaistukea."
        )
        self.assertEqual(Entry.objects.get(action=SHEET_IMPORTED).username, "maija")
        self.assert_live_unchanged()


def test_contacts_yaml_edit_changes_only_the_given_values() -> None:
    source = (
        "# People.\ncontacts:\n- id: a\n  name: A\n  email: a@x.fi\n  source: s.txt  # kept\n"
        "  valid: {from: 2019-01-01, until: 2019-12-31}\n- id: b\n  name: B\n  phone:\n"
        "  - 040 123 4567\n  source: t.txt\n  valid: {from: 2019-01-01, until: 2019-12-31}\n"
    )
    changes: Dict[str, Dict[str, Any]] = {
        "a": {"email": None, "phone": ["040 1"], "valid.until": dt.date(2020, 5, 1)},
        "b": {"phone": ["040 2", "015 3"], "name": "B: Bee"},
    }
    after = contacts_yaml.edit(source, changes)
    assert after == (
        "# People.\ncontacts:\n- id: a\n  name: A\n  phone: [040 1]\n  source: s.txt  # kept\n"
        '  valid: {from: 2019-01-01, until: 2020-05-01}\n- id: b\n  name: "B: Bee"\n'
        "  phone: [040 2, 015 3]\n  source: t.txt\n  valid: {from: 2019-01-01, until: 2019-12-31}\n"
    )


def test_a_text_starting_with_an_equals_sign_stays_text() -> None:
    content = workbook.export(
        [workbook.TopicRow("x", "=otsikko", '=HYPERLINK("http://x")', ["=1+1"])],
        [workbook.ContactRow("a", {"name": "=A", "phone": ["040 1"]})],
    )
    book = openpyxl.load_workbook(io.BytesIO(content))
    cells = list(book[QA].iter_rows(min_row=2))[0]
    assert [c.value for c in cells] == ["x", "=otsikko", '=HYPERLINK("http://x")', "=1+1"]
    assert {c.data_type for c in cells} == {"s"}
    assert book[CONTACTS]["B2"].data_type == "s"
    assert workbook.read(content)["topics"][0]["example"] == "=1+1"
