"""The console's people, places and projects (console/knowledge) with Django's test client on
a copy of the fixture project: edits checked with the rules of `make check` before anything
is written, only the entry's changed lines written, region limits enforced on the server,
concurrent edits refused with what changed, the to-do list on fixed dates, adding a person
and a place, marking checked today and no longer valid; and the text-level YAML edits.
Every save goes into the draft (console.publishing.draft); the live files stay as they were
until the draft is published."""

from __future__ import annotations

import datetime as dt
import difflib
import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict, List
from unittest import mock

import pytest
import yaml
from django.test import Client, TestCase, override_settings

import knowledge_base
from staff.project import Project
from tests.support import copy_project, replace_in
from tests.support.console import PASSWORD, django_ready

django_ready()

from console.accounts.roles import JULKAISIJA, MUOKKAAJA, create_account  # noqa: E402
from console.audit.models import (  # noqa: E402
    KNOWLEDGE_ADDED,
    KNOWLEDGE_CHECKED,
    KNOWLEDGE_ENDED,
    KNOWLEDGE_SAVED,
    Entry,
)
from console.knowledge.yaml_entries import RoundTripFailed, append_entry, replace_entry  # noqa: E402
from console.publishing import draft  # noqa: E402

pytestmark = pytest.mark.usefixtures("console_db")

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
TODAY = dt.date(2026, 12, 1)
HANNA = "/yhteystiedot/hanna-kokkonen/"  # Etelä-Savo
SARI = "/yhteystiedot/sari-paananen/"  # Keski-Suomi
OLD_PHONE = "040 359 8519"
NEW_PHONE = "040 777 1234"


def form_values(page: Any) -> Dict[str, Any]:
    """What the browser would send back from the page's form, unchanged."""
    form = page.context["form"]
    values = {}
    for name in form.fields:
        value = form[name].value()
        if value is True:
            values[name] = "on"
        elif value not in (None, False):
            values[name] = value
    return values


def changed_lines(before: str, after: str) -> List[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


class KnowledgeTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.julkaisija = create_account("jussi", PASSWORD, JULKAISIJA, [])
        cls.keski_suomi = create_account("kaisa", PASSWORD, JULKAISIJA, ["keski-suomi"])
        cls.muokkaaja = create_account("maija", PASSWORD, MUOKKAAJA, [])

    def setUp(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="perheneuvo-console-knowledge-"))
        self.addCleanup(shutil.rmtree, self.root, True)
        self.project = copy_project(self.root)
        # The live files the running bot reads, and the draft the console's edits go to.
        self.live_knowledge = self.root / "knowledge"
        self.live_contacts = self.live_knowledge / "contacts.yml"
        self.knowledge = draft.draft_root(Project(self.root)) / "knowledge"
        self.contacts = self.knowledge / "contacts.yml"
        self.original = self.live_contacts.read_text(encoding="utf-8")
        self.live_before = {p.name: p.read_bytes() for p in self.live_knowledge.glob("*.yml")}
        overridden = override_settings(CONSOLE_PROJECT_ROOT=self.root)
        overridden.enable()
        self.addCleanup(overridden.disable)
        today = mock.patch("console.knowledge.views.today", lambda: TODAY)  # a fixed day
        today.start()
        self.addCleanup(today.stop)

    def login(self, user: Any) -> Client:
        self.client.force_login(user, backend=MODEL_BACKEND)
        return self.client

    def contact(self, entry_id: str) -> Any:
        kb = knowledge_base.load(self.knowledge)
        return next(c for c in kb.contacts if c.id == entry_id)

    def assert_live_unchanged(self) -> None:
        """Saving never touches what the running bot reads: only publishing does."""
        now = {p.name: p.read_bytes() for p in self.live_knowledge.glob("*.yml")}
        self.assertEqual(now, self.live_before)

    def assert_unchanged(self) -> None:
        self.assert_live_unchanged()
        if self.contacts.exists():
            self.assertEqual(self.contacts.read_text(encoding="utf-8"), self.original)
        self.assertFalse(Entry.objects.filter(action__startswith="knowledge_").exists())


class EditTests(KnowledgeTestCase):
    def test_a_phone_number_is_changed_on_its_own_line_and_audited(self) -> None:
        self.login(self.julkaisija)
        values = form_values(self.client.get(HANNA + "muokkaa/"))
        self.assertEqual(values["phone"], OLD_PHONE)
        values["phone"] = NEW_PHONE
        reply = self.client.post(HANNA + "muokkaa/", values)
        self.assertRedirects(reply, HANNA, fetch_redirect_response=False)
        after = self.contacts.read_text(encoding="utf-8")
        self.assertEqual(
            changed_lines(self.original, after),
            [f"-  phone: [{OLD_PHONE}]", f"+  phone: [{NEW_PHONE}]"],
        )
        self.assertEqual(self.contact("hanna-kokkonen").phones, (NEW_PHONE,))
        self.assert_live_unchanged()  # the bot gives the old number until publishing
        self.assertEqual(
            [c.path for c in draft.changes(Project(self.root))], ["knowledge/contacts.yml"]
        )
        entry = Entry.objects.get(action=KNOWLEDGE_SAVED)
        self.assertEqual(
            (entry.username, entry.target), ("jussi", "knowledge/contacts.yml#hanna-kokkonen")
        )
        self.assertEqual(
            entry.details["changes"], {"phone": {"before": OLD_PHONE, "after": NEW_PHONE}}
        )
        page = self.client.get(HANNA)
        self.assertContains(page, "muutos on tallennettu luonnokseen")
        self.assertContains(page, NEW_PHONE)

    def test_an_invalid_phone_is_refused_in_finnish_next_to_the_field(self) -> None:
        self.login(self.julkaisija)
        values = form_values(self.client.get(HANNA + "muokkaa/"))
        values["phone"] = "040 35x 8519"
        reply = self.client.post(HANNA + "muokkaa/", values)
        self.assertEqual(reply.status_code, 200)
        errors = reply.context["form"].errors["phone"]
        self.assertEqual(len(errors), 1)
        self.assertIn("puhelinnumero ”040 35x 8519” ei ole suomalaisessa muodossa", errors[0])
        self.assertContains(reply, 'id="phone-virheet"')
        self.assertContains(
            reply, 'aria-describedby="phone-ohje phone-virheet" aria-invalid="true"'
        )
        self.assertContains(reply, "Muutosta ei tallennettu")
        self.assertContains(reply, '<li><a href="#id_phone">Puhelinnumerot</a></li>', html=True)
        self.assert_unchanged()

    def test_every_field_is_judged_by_the_rules_of_make_check(self) -> None:
        self.login(self.julkaisija)
        values = form_values(self.client.get(HANNA + "muokkaa/"))
        values.update(
            email="hanna(at)essote.fi",
            project="ei-tallaista-hanketta",
            checked="32.1.2026",
            valid_until="2019-13-31",
            name="",
        )
        reply = self.client.post(HANNA + "muokkaa/", values)
        errors = reply.context["form"].errors
        self.assertIn("pakollinen", " ".join(errors["name"]).lower())
        values["name"] = "Hanna Kokkonen"
        errors = self.client.post(HANNA + "muokkaa/", values).context["form"].errors
        self.assertIn("sähköpostiosoite ”hanna(at)essote.fi”", errors["email"][0])
        self.assertIn(
            "tarkistuspäivä (checked) ”32.1.2026” ei ole päivämäärä", errors["checked"][0]
        )
        self.assertIn(
            "”2019-13-31” ei ole päivämäärä muodossa VVVV-KK-PP", errors["valid_until"][0]
        )
        self.assert_unchanged()
        # A reference is checked once the file is otherwise well-formed.
        values.update(email="hanna.kokkonen@essote.fi", checked="", valid_until="2019-12-31")
        errors = self.client.post(HANNA + "muokkaa/", values).context["form"].errors
        self.assertIn("hanketta ”ei-tallaista-hanketta” ei ole", errors["project"][0])
        self.assert_unchanged()

    def test_a_project_moved_out_of_the_covered_regions_is_refused(self) -> None:
        self.login(self.julkaisija)
        values = form_values(self.client.get("/hankkeet/kslape/muokkaa/"))
        values["region"] = "pirkanmaa"
        errors = self.client.post("/hankkeet/kslape/muokkaa/", values).context["form"].errors
        self.assertIn("aluetta ”pirkanmaa” ei ole", errors["region"][0])
        projects = (self.knowledge / "projects.yml").read_text(encoding="utf-8")
        self.assertEqual(
            projects, (Path("tests/fixtures/knowledge/projects.yml")).read_text(encoding="utf-8")
        )
        self.assert_live_unchanged()

    def test_a_one_line_place_keeps_its_style_and_the_comments_stay(self) -> None:
        self.login(self.julkaisija)
        before = (self.live_knowledge / "places.yml").read_text(encoding="utf-8")
        url = "/paikat/perheneuvo-juva/muokkaa/"
        values = form_values(self.client.get(url))
        values["note"] = "avoinna ti, to"
        self.assertEqual(self.client.post(url, values).status_code, 302)
        self.assert_live_unchanged()
        after = (self.knowledge / "places.yml").read_text(encoding="utf-8")
        lines = changed_lines(before, after)
        self.assertEqual(len(lines), 2, lines)
        self.assertTrue(lines[1].startswith("+- {id: perheneuvo-juva,"), lines)
        self.assertIn("municipality: Juva, note: 'avoinna ti, to', source:", lines[1])
        self.assertEqual(after.splitlines()[:4], before.splitlines()[:4])  # the comments
        kb = knowledge_base.load(self.knowledge)
        self.assertEqual(
            next(p for p in kb.places if p.id == "perheneuvo-juva").note, "avoinna ti, to"
        )

    def test_a_muokkaajas_save_goes_to_the_draft_and_the_live_file_stays(self) -> None:
        self.login(self.muokkaaja)
        page = self.client.get(HANNA + "muokkaa/")
        self.assertContains(page, "Tarkista ja tallenna")
        values = form_values(page)
        values["phone"] = NEW_PHONE
        reply = self.client.post(HANNA + "muokkaa/", values)
        self.assertRedirects(reply, HANNA, fetch_redirect_response=False)
        self.assertEqual(self.contact("hanna-kokkonen").phones, (NEW_PHONE,))
        self.assertEqual(Entry.objects.get(action=KNOWLEDGE_SAVED).username, "maija")
        page = self.client.get(HANNA)
        reply = self.client.post(HANNA + "tarkistettu/", {"version": page.context["version"]})
        self.assertRedirects(reply, HANNA, fetch_redirect_response=False)
        self.assertEqual(self.contact("hanna-kokkonen").checked, TODAY)
        self.assert_live_unchanged()
        # Only a julkaisija takes the draft live.
        reply = self.client.post("/julkaisu/julkaise/", {"message": "Hannan numero"})
        self.assertEqual(reply.status_code, 403)
        self.assert_live_unchanged()

    def test_unknown_entries_and_kinds_are_not_found(self) -> None:
        self.login(self.julkaisija)
        self.assertEqual(self.client.get("/yhteystiedot/ei-ketaan/").status_code, 404)
        self.assertEqual(self.client.get("/hankkeet/uusi/").status_code, 404)  # not added here
        self.assertEqual(self.client.get("/hankkeet/kslape/paattynyt/").status_code, 404)

    def test_markup_in_a_field_is_shown_as_text(self) -> None:
        self.login(self.julkaisija)
        values = form_values(self.client.get(HANNA + "muokkaa/"))
        values["role"] = "koordinaattori <script>alert('x')</script>"
        self.assertEqual(self.client.post(HANNA + "muokkaa/", values).status_code, 302)
        page = self.client.get(HANNA).content.decode()
        self.assertNotIn("<script>alert", page)
        self.assertIn("&lt;script&gt;", page)


class RegionTests(KnowledgeTestCase):
    def test_a_region_limited_account_sees_all_but_edits_only_its_regions(self) -> None:
        self.login(self.keski_suomi)
        listing = self.client.get("/yhteystiedot/")
        self.assertContains(listing, f'href="{HANNA}"')
        page = self.client.get(HANNA)
        self.assertContains(page, "voit lukea tämän tiedon mutta et muuttaa sitä")
        self.assertNotContains(page, "Merkitse tarkistetuksi tänään")
        # The server refuses, whatever the page shows.
        own = form_values(self.client.get(SARI + "muokkaa/"))
        self.assertEqual(self.client.get(HANNA + "muokkaa/").status_code, 403)
        values = dict(own, name="Hanna Kokkonen", region="etela-savo", phone=NEW_PHONE)
        self.assertEqual(self.client.post(HANNA + "muokkaa/", values).status_code, 403)
        checked = {"version": own["version"]}
        self.assertEqual(self.client.post(HANNA + "tarkistettu/", checked).status_code, 403)
        ended = {"version": own["version"], "until": "2026-11-30"}
        self.assertEqual(self.client.post(HANNA + "paattynyt/", ended).status_code, 403)
        self.assertEqual(
            self.client.post("/paikat/perheneuvo-juva/tarkistettu/", checked).status_code, 403
        )
        self.assert_unchanged()
        # Its own region's contact: yes; moving it to another region: no.
        moved = dict(own, region="etela-savo", project="turvassa")
        errors = self.client.post(SARI + "muokkaa/", moved).context["form"].errors
        self.assertIn("Tunnuksesi on rajattu alueisiin Keski-Suomi", errors["region"][0])
        self.assert_unchanged()
        reply = self.client.post(SARI + "muokkaa/", dict(own, phone="014 266 4870"))
        self.assertEqual(reply.status_code, 302)
        self.assertEqual(self.contact("sari-paananen").phones, ("014 266 4870",))
        self.assert_live_unchanged()

    def test_a_region_limited_account_cannot_add_a_place_in_another_region(self) -> None:
        self.login(self.keski_suomi)
        values = form_values(self.client.get("/paikat/uusi/"))
        values.update(
            name="Perhekahvila",
            kind="kohtaamispaikka",
            municipality="Juva",
            source="Juvan kunnan verkkosivut",
            valid_from="2026-01-01",
            valid_until="2026-12-31",
        )
        errors = self.client.post("/paikat/uusi/", values).context["form"].errors
        self.assertIn("Tunnuksesi on rajattu", errors["municipality"][0])
        values["municipality"] = "Jyväskylä"
        reply = self.client.post("/paikat/uusi/", values)
        self.assertRedirects(
            reply, "/paikat/perhekahvila-jyvaskyla/", fetch_redirect_response=False
        )


class ConcurrencyTests(KnowledgeTestCase):
    def test_a_file_changed_meanwhile_is_refused_showing_what_changed(self) -> None:
        self.login(self.julkaisija)
        values = form_values(self.client.get(HANNA + "muokkaa/"))
        replace_in(self.contacts, "phone: [040 359 8519]", "phone: [040 000 0000]")
        someone_else = self.contacts.read_text(encoding="utf-8")
        values["email"] = "hanna.k@essote.fi"
        reply = self.client.post(HANNA + "muokkaa/", values)
        self.assertEqual(reply.status_code, 200)
        self.assertContains(reply, "Joku muu on tallentanut tiedostoon knowledge/contacts.yml")
        self.assertContains(reply, "Puhelinnumerot: ”040 359 8519” → ”040 000 0000”")
        self.assertEqual(self.contacts.read_text(encoding="utf-8"), someone_else)
        # The new form: the other's number, this editor's e-mail; saving it keeps both.
        again = form_values(reply)
        self.assertEqual((again["phone"], again["email"]), ("040 000 0000", "hanna.k@essote.fi"))
        self.assertEqual(self.client.post(HANNA + "muokkaa/", again).status_code, 302)
        hanna = self.contact("hanna-kokkonen")
        self.assertEqual((hanna.phones, hanna.email), (("040 000 0000",), "hanna.k@essote.fi"))
        self.assert_live_unchanged()

    def test_both_changing_one_field_is_shown_and_the_editor_decides(self) -> None:
        self.login(self.julkaisija)
        values = form_values(self.client.get(HANNA + "muokkaa/"))
        replace_in(self.contacts, "phone: [040 359 8519]", "phone: [040 000 0000]")
        values["phone"] = NEW_PHONE
        reply = self.client.post(HANNA + "muokkaa/", values)
        self.assertContains(
            reply, "myös sinä muutit tätä; lomakkeella on sinun arvosi ”040 777 1234”"
        )
        self.assertEqual(self.contact("hanna-kokkonen").phones, ("040 000 0000",))
        self.assert_live_unchanged()

    def test_checked_today_on_a_stale_page_is_refused(self) -> None:
        self.login(self.julkaisija)
        page = self.client.get(HANNA)
        version = page.context["version"]
        replace_in(self.contacts, "phone: [040 359 8519]", "phone: [040 000 0000]")
        reply = self.client.post(
            HANNA + "tarkistettu/",
            {"version": version, "original": page.context["original"]},
            follow=True,
        )
        self.assertContains(reply, "Joku muu on tallentanut")
        self.assertContains(reply, "”040 359 8519” → ”040 000 0000”")
        self.assertEqual(self.contact("hanna-kokkonen").checked, dt.date(2026, 11, 23))
        self.assert_live_unchanged()


class CheckedAddEndTests(KnowledgeTestCase):
    def test_mark_checked_today_writes_todays_date_only(self) -> None:
        self.login(self.julkaisija)
        page = self.client.get(HANNA)
        self.assertContains(
            page, '<button type="submit">Merkitse tarkistetuksi tänään</button>', html=True
        )
        reply = self.client.post(HANNA + "tarkistettu/", {"version": page.context["version"]})
        self.assertRedirects(reply, HANNA, fetch_redirect_response=False)
        lines = changed_lines(self.original, self.contacts.read_text(encoding="utf-8"))
        self.assertEqual(lines, ["-  checked: 2026-11-23", "+  checked: 2026-12-01"])
        self.assert_live_unchanged()
        self.assertEqual(
            Entry.objects.get(action=KNOWLEDGE_CHECKED).details["changes"],
            {"checked": {"before": "2026-11-23", "after": "2026-12-01"}},
        )

    def test_a_project_never_checked_gets_a_checked_line(self) -> None:
        self.login(self.julkaisija)
        page = self.client.get("/hankkeet/kslape/")
        self.assertContains(page, "<dt>Tarkistettu</dt><dd>–</dd>", html=True)
        self.client.post("/hankkeet/kslape/tarkistettu/", {"version": page.context["version"]})
        self.assertEqual(knowledge_base.load(self.knowledge).projects["kslape"].checked, TODAY)
        self.assertIsNone(knowledge_base.load(self.live_knowledge).projects["kslape"].checked)

    def test_a_person_is_added_and_loads(self) -> None:
        self.login(self.julkaisija)
        values = form_values(self.client.get("/yhteystiedot/uusi/"))
        values.update(
            name="Liisa Lahtinen",
            role="perhekeskuskoordinaattori",
            fields="varhaiskasvatus, koulu",
            organisation="Essote",
            region="etela-savo",
            project="perhekeskustoiminta-etela-savo",
            phone="044 123 4567; +358 40 765 4321",
            email="liisa.lahtinen@essote.fi",
            primary="on",
            source="Essoten verkkosivut",
            valid_from="1.1.2026",
            valid_until="2026-12-31",
            checked="30.11.2026",
        )
        reply = self.client.post("/yhteystiedot/uusi/", values)
        self.assertRedirects(reply, "/yhteystiedot/liisa-lahtinen/", fetch_redirect_response=False)
        after = self.contacts.read_text(encoding="utf-8")
        self.assertTrue(after.startswith(self.original))  # added at the end, nothing else moved
        self.assertEqual(
            after[len(self.original) :].splitlines(),
            [
                "- id: liisa-lahtinen",
                "  name: Liisa Lahtinen",
                "  role: perhekeskuskoordinaattori",
                "  fields: [varhaiskasvatus, koulu]",
                "  organisation: Essote",
                "  region: etela-savo",
                "  project: perhekeskustoiminta-etela-savo",
                "  phone: [044 123 4567, +358 40 765 4321]",
                "  email: liisa.lahtinen@essote.fi",
                "  primary: true",
                "  source: Essoten verkkosivut",
                "  valid: {from: 2026-01-01, until: 2026-12-31}",
                "  checked: 2026-11-30",
            ],
        )
        liisa = self.contact("liisa-lahtinen")
        self.assertEqual(liisa.checked, dt.date(2026, 11, 30))
        self.assertIn(liisa, knowledge_base.load(self.knowledge).primary_contacts("etela-savo"))
        self.assertTrue(Entry.objects.filter(action=KNOWLEDGE_ADDED).exists())
        self.assert_live_unchanged()
        # The same tunniste again is refused next to the field.
        values["version"] = form_values(self.client.get("/yhteystiedot/uusi/"))["version"]
        errors = self.client.post("/yhteystiedot/uusi/", values).context["form"].errors
        self.assertIn("Sama tunniste (id)", errors["id"][0])

    def test_a_person_no_longer_valid_stays_with_an_end_date(self) -> None:
        self.login(self.julkaisija)
        page = self.client.get(HANNA + "paattynyt/")
        self.assertContains(page, 'value="2026-12-01"')
        values = {"version": page.context["form"]["version"].value(), "until": "1.1.2018"}
        reply = self.client.post(HANNA + "paattynyt/", values)
        self.assertIn(
            "ei voi olla ennen voimassaolon alkua (1.1.2019)",
            reply.context["form"].errors["until"][0],
        )
        self.assert_unchanged()
        values["until"] = "30.6.2019"
        self.assertEqual(self.client.post(HANNA + "paattynyt/", values).status_code, 302)
        self.assertEqual(
            changed_lines(self.original, self.contacts.read_text(encoding="utf-8")),
            [
                "-  valid: {from: 2019-01-01, until: 2019-12-31}",
                "+  valid: {from: 2019-01-01, until: 2019-06-30}",
            ],
        )
        self.assertEqual(self.contact("hanna-kokkonen").valid.until, dt.date(2019, 6, 30))
        self.assertTrue(Entry.objects.filter(action=KNOWLEDGE_ENDED).exists())
        self.assert_live_unchanged()


class TodoTests(KnowledgeTestCase):
    def test_the_to_do_list_on_fixed_dates(self) -> None:
        # Hanna: valid and checked (not listed); Sari: valid, checked 13 months ago; Satu:
        # ended; Minna: never checked. Everyone else: valid until 2027 and checked. In the
        # draft: the list is of what the editors are working on.
        draft.ensure(Project(self.root))
        data = yaml.safe_load(self.original)
        for person in data["contacts"]:
            person["valid"]["until"] = dt.date(2027, 12, 31)
        sari = next(p for p in data["contacts"] if p["id"] == "sari-paananen")
        sari["checked"] = dt.date(2025, 11, 1)
        satu = next(p for p in data["contacts"] if p["id"] == "satu-auvinen")
        satu["valid"]["until"] = dt.date(2026, 11, 30)
        del next(p for p in data["contacts"] if p["id"] == "minna-rytkonen")["checked"]
        self.contacts.write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
        places = self.knowledge / "places.yml"
        data = yaml.safe_load(places.read_text(encoding="utf-8"))
        for place in data["places"]:
            place["valid"]["until"] = dt.date(2027, 12, 31)
        places.write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
        projects = self.knowledge / "projects.yml"
        data = yaml.safe_load(projects.read_text(encoding="utf-8"))
        for project in data["projects"]:
            project["checked"] = dt.date(2026, 6, 1)
        data["projects"][-1]["checked"] = dt.date(2025, 11, 30)  # kslape: a year and a day
        projects.write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )

        self.login(self.keski_suomi)
        page = self.client.get("/tehtavat/")
        listed = {
            group["name"]: [(t["task"].entry.id, t["task"].reasons) for t in group["tasks"]]
            for group in page.context["regions"]
        }
        self.assertEqual(
            listed,
            {
                "Etelä-Savo": [("satu-auvinen", ["voimassaolo päättyi 30.11.2026"])],
                "Pohjois-Savo": [("minna-rytkonen", ["ei merkintää tarkistuksesta"])],
                "Keski-Suomi": [
                    (
                        "sari-paananen",
                        ["tarkistettu viimeksi 1.11.2025, yli 12 kuukautta sitten"],
                    ),
                    ("kslape", ["tarkistettu viimeksi 30.11.2025, yli 12 kuukautta sitten"]),
                ],
            },
        )
        self.assertContains(page, "4 tarkistettavaa tietoa")
        self.assertContains(page, "Keski-Suomi (sinun alueesi)")
        # Only the own region's entries get the button for this account.
        self.assertContains(page, "Merkitse tarkistetuksi tänään: Sari Paananen")
        self.assertNotContains(page, "Merkitse tarkistetuksi tänään: Satu Auvinen")
        task = page.context["regions"][-1]["tasks"][0]
        reply = self.client.post(
            SARI + "tarkistettu/", {"version": task["task"].version, "takaisin": "tehtavat"}
        )
        self.assertRedirects(reply, "/tehtavat/", fetch_redirect_response=False)
        after = self.client.get("/tehtavat/")
        self.assertNotContains(after, 'href="/yhteystiedot/sari-paananen/"')
        self.assertContains(after, "Sari Paananen on merkitty tarkistetuksi tänään (1.12.2026)")
        self.assertContains(after, "3 tarkistettavaa tietoa")
        # A day earlier, kslape was checked exactly twelve months before: not yet listed.
        with mock.patch("console.knowledge.views.today", lambda: dt.date(2026, 11, 30)):
            self.assertNotContains(self.client.get("/tehtavat/"), "KSLAPE")


# -- the text-level edits ----------------------------------------------------------------------

ORDER = ["id", "name", "phone", "note", "valid", "checked"]
SOURCE = """\
# People.
people:
- id: a  # the first
  name: Anna
  phone: [044 123 4567]
  # a comment inside the entry
  valid: {from: 2019-01-01, until: 2019-12-31}
- {id: b, name: Bertta, valid: {from: 2019-01-01, until: 2019-12-31}}
"""


def test_a_changed_value_replaces_only_its_own_text():
    data = yaml.safe_load(SOURCE)
    entry = dict(data["people"][0], phone=["050 1", "09 2"], checked=dt.date(2026, 1, 2))
    changed = replace_entry(SOURCE, "people", 0, entry, ORDER)
    assert changed == SOURCE.replace("[044 123 4567]", "[050 1, 09 2]").replace(
        "  valid: {from: 2019-01-01, until: 2019-12-31}\n- {",
        "  valid: {from: 2019-01-01, until: 2019-12-31}\n  checked: 2026-01-02\n- {",
    )
    del entry["phone"]
    removed = replace_entry(changed, "people", 0, entry, ORDER)
    assert "050 1" not in removed and "# the first" in removed and "# a comment inside" in removed


def test_a_one_line_entry_stays_on_one_line_with_quoting_where_needed():
    data = yaml.safe_load(SOURCE)
    entry = dict(data["people"][1], note="auki: ti, to", name="Bertta B")
    changed = replace_entry(SOURCE, "people", 1, entry, ORDER)
    assert changed.splitlines()[-1] == (
        "- {id: b, name: Bertta B, note: 'auki: ti, to', "
        "valid: {from: 2019-01-01, until: 2019-12-31}}"
    )
    assert yaml.safe_load(changed)["people"][1] == entry


def test_an_added_entry_goes_last_in_the_files_style():
    entry = {"id": "c", "name": "yes", "phone": ["044 1"]}
    changed = append_entry(SOURCE, "people", entry, ORDER)
    assert changed == SOURCE + "- id: c\n  name: 'yes'\n  phone: [044 1]\n"
    assert yaml.safe_load(changed)["people"][2] == entry


def test_an_edit_that_would_not_read_back_is_refused():
    data = yaml.safe_load(SOURCE)
    with pytest.raises(RoundTripFailed):
        replace_entry(SOURCE, "people", 0, dict(data["people"][0], name="rivi\nkaksi"), ORDER)
