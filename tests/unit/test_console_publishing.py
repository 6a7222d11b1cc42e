"""Publishing in the staff console (console/publishing) on a copy of the fixture project:
the draft, its diff in Finnish, the version history and restore into the draft, and the
publish run stopping at a failed check with a Finnish message and the live files untouched.
The whole path (training, evaluation, reload) is in tests/e2e/test_console_publish.py."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from django.test import TestCase, override_settings

from tests.support import copy_project, replace_in
from tests.support.console import PASSWORD, console_db, django_ready  # noqa: F401

django_ready()

from console.accounts.roles import JULKAISIJA, MUOKKAAJA, create_account  # noqa: E402
from console.audit.models import DRAFT_DISCARDED, PUBLISH_FAILED, Entry  # noqa: E402
from console.publishing import diff, draft, history, pipeline  # noqa: E402
from console.publishing.models import PublishRun  # noqa: E402
from console.workspace import editing_project  # noqa: E402

pytestmark = pytest.mark.usefixtures("console_db")

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
TOPIC_FILE = "data/faq/erokahvila.yml"
OLD_ANSWER = "Erokahvila on vertaistuellista toimintaa"


class PublishingTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.muokkaaja = create_account("mirja", PASSWORD, MUOKKAAJA, [])
        cls.julkaisija = create_account("janne", PASSWORD, JULKAISIJA, [])

    def setUp(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="perheneuvo-publishing-"))
        self.addCleanup(shutil.rmtree, self.root, True)
        self.live = copy_project(self.root)
        overridden = override_settings(CONSOLE_PROJECT_ROOT=self.root)
        overridden.enable()
        self.addCleanup(overridden.disable)


class DraftTests(PublishingTestCase):
    def test_the_draft_is_a_copy_and_its_changes_are_described_in_finnish(self) -> None:
        editing = editing_project()
        self.assertEqual(editing.root, self.root / "var" / "luonnos")
        self.assertEqual(draft.changes(self.live), [])
        self.assertEqual(
            (editing.root / TOPIC_FILE).read_bytes(), (self.root / TOPIC_FILE).read_bytes()
        )
        replace_in(editing.root / TOPIC_FILE, OLD_ANSWER, "Erokahvila on uusi vastaus")
        replace_in(editing.root / TOPIC_FILE, "- mika on erokahvila", "- mitä erokahvila on")
        replace_in(editing.root / "knowledge" / "contacts.yml", "040", "050")
        found = draft.changes(self.live)
        self.assertEqual(
            [c.path for c in found], ["data/faq/erokahvila.yml", "knowledge/contacts.yml"]
        )
        topic, contacts = diff.describe(found)
        self.assertEqual(topic.title, "Aihe erokahvila")
        self.assertTrue(topic.answer[0].startswith(OLD_ANSWER))
        self.assertTrue(topic.answer[1].startswith("Erokahvila on uusi vastaus"))
        self.assertEqual(topic.examples_added, ["mitä erokahvila on"])
        self.assertEqual(topic.examples_removed, ["mika on erokahvila"])
        self.assertEqual(contacts.title, "Yhteystiedot (knowledge/contacts.yml)")
        self.assertIn("-", [mark for mark, _line in contacts.lines])
        self.assertTrue(any(mark == "+" and "050" in line for mark, line in contacts.lines))
        self.assertEqual((self.root / TOPIC_FILE).read_text(encoding="utf-8").count(OLD_ANSWER), 1)

    def test_the_draft_page_shows_the_diff_and_a_julkaisija_may_discard_it(self) -> None:
        editing = editing_project()
        replace_in(editing.root / TOPIC_FILE, OLD_ANSWER, "Erokahvila on uusi vastaus")
        self.client.force_login(self.muokkaaja, backend=MODEL_BACKEND)
        page = self.client.get("/julkaisu/")
        self.assertContains(page, "Aihe erokahvila")
        self.assertContains(page, "Vastaus ennen")
        self.assertContains(page, "Erokahvila on uusi vastaus")
        self.assertNotContains(page, "Hylkää luonnos</button>")
        self.assertEqual(self.client.post("/julkaisu/hylkaa/").status_code, 403)
        self.client.force_login(self.julkaisija, backend=MODEL_BACKEND)
        self.assertContains(self.client.get("/julkaisu/"), "Hylkää luonnos</button>")
        self.assertEqual(self.client.post("/julkaisu/hylkaa/").status_code, 302)
        self.assertFalse(draft.exists(self.live))
        entry = Entry.objects.get(action=DRAFT_DISCARDED)
        self.assertEqual(entry.details["files"], [TOPIC_FILE])
        self.assertContains(self.client.get("/julkaisu/"), "julkaistavaa ei ole")

    def test_a_publication_without_a_message_is_refused_next_to_the_field(self) -> None:
        replace_in(editing_project().root / TOPIC_FILE, OLD_ANSWER, "Erokahvila on uusi")
        self.client.force_login(self.julkaisija, backend=MODEL_BACKEND)
        reply = self.client.post("/julkaisu/julkaise/", {"message": "  "})
        self.assertContains(reply, "Kirjoita lyhyt kuvaus muutoksesta")
        self.assertContains(reply, 'id="message-virheet"')
        self.assertFalse(PublishRun.objects.exists())

    def test_the_draft_bot_page_is_for_a_julkaisija(self) -> None:
        self.client.force_login(self.muokkaaja, backend=MODEL_BACKEND)
        self.assertEqual(self.client.get("/julkaisu/kokeile/").status_code, 403)
        self.client.force_login(self.julkaisija, backend=MODEL_BACKEND)
        page = self.client.get("/julkaisu/kokeile/")
        self.assertContains(page, "Luonnosbotti ei ole käynnissä.")
        self.assertContains(page, "Käynnistä luonnosbotti</button>")
        self.assertNotContains(page, "Kysy molemmilta boteilta")


class HistoryTests(PublishingTestCase):
    def test_versions_keep_author_message_and_files_and_restore_into_the_draft(self) -> None:
        original = draft.content_files(self.live)
        changed = dict(original)
        changed[TOPIC_FILE] = original[TOPIC_FILE].replace(b"vertaistuellista", b"uutta")
        first = history.record(self.live, changed, "janne", "Erokahvila muutettu")
        versions = history.versions(self.live)
        self.assertEqual(
            [v.message for v in versions], ["Erokahvila muutettu", history.INITIAL_MESSAGE]
        )
        self.assertEqual(versions[0].commit, first)
        self.assertEqual(versions[0].author, "janne")
        self.assertEqual(versions[1].author, history.SYSTEM_NAME)
        self.assertEqual(history.files_at(self.live, versions[1].commit), original)
        [change] = history.changes_of(self.live, versions[0])
        self.assertEqual(change.path, TOPIC_FILE)
        described = diff.describe_one(change)
        self.assertIn("uutta", described.answer[1])

        self.client.force_login(self.muokkaaja, backend=MODEL_BACKEND)
        listing = self.client.get("/julkaisu/versiot/")
        self.assertContains(listing, "Erokahvila muutettu")
        page = self.client.get(f"/julkaisu/versiot/{versions[1].commit}/")
        self.assertNotContains(page, "Palauta tämä versio")
        self.assertEqual(
            self.client.post(f"/julkaisu/versiot/{versions[1].commit}/palauta/").status_code, 403
        )
        self.assertEqual(self.client.get("/julkaisu/versiot/zzz/").status_code, 404)

        draft.replace(self.live, history.files_at(self.live, first))
        self.assertEqual([c.path for c in draft.changes(self.live)], [TOPIC_FILE])
        self.assertIn(b"uutta", (draft.draft_root(self.live) / TOPIC_FILE).read_bytes())

    def test_going_live_records_the_content_before_and_after(self) -> None:
        original = draft.content_files(self.live)
        replace_in(editing_project().root / TOPIC_FILE, OLD_ANSWER, "Erokahvila on uusi")
        files = draft.content_files(editing_project())
        build = pipeline.freeze(self.live, files)
        commit = pipeline.write_live(
            self.live, build, draft.changes(self.live), "janne", "Uusi vastaus"
        )
        self.assertIn("Erokahvila on uusi", (self.root / TOPIC_FILE).read_text(encoding="utf-8"))
        self.assertEqual(draft.changes(self.live), [])
        latest, before = history.versions(self.live)
        self.assertEqual((latest.commit, latest.author), (commit, "janne"))
        self.assertEqual(history.files_at(self.live, before.commit), original)
        self.assertEqual(history.files_at(self.live, commit), files)
        # Restore: the earlier version's files become the draft, the old answer comes back.
        draft.replace(self.live, history.files_at(self.live, before.commit))
        [change] = diff.describe(draft.changes(self.live))
        self.assertTrue(change.answer[0].startswith("Erokahvila on uusi"))
        self.assertTrue(change.answer[1].startswith(OLD_ANSWER))


class PublishRunTests(PublishingTestCase):
    def run_publish(self) -> PublishRun:
        run = PublishRun.objects.create(
            user=self.julkaisija, username="janne", message="Kokeilu", steps=pipeline.new_steps()
        )
        return pipeline.execute(run.pk, self.live)

    def test_a_draft_with_an_error_is_not_published_and_the_reason_is_in_finnish(self) -> None:
        editing = editing_project()
        source = (editing.root / TOPIC_FILE).read_text(encoding="utf-8")
        lines = [line for line in source.splitlines() if not line.strip().startswith("- ")]
        (editing.root / TOPIC_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
        live_before = draft.content_files(self.live)
        run = self.run_publish()
        self.assertEqual(run.state, PublishRun.FAILED)
        check = run.step("check")
        self.assertEqual(check["state"], "failed")
        self.assertIn("Luonnoksessa on", check["message"])
        self.assertIn(TOPIC_FILE, check["message"])
        self.assertEqual([s["state"] for s in run.steps[1:]], ["skipped"] * 3)
        self.assertEqual(draft.content_files(self.live), live_before)
        self.assertFalse(history.has_versions(self.live))
        entry = Entry.objects.get(action=PUBLISH_FAILED)
        self.assertEqual(entry.details["failure"], [check["message"]])

        self.client.force_login(self.julkaisija, backend=MODEL_BACKEND)
        page = self.client.get(f"/julkaisu/ajot/{run.pk}/")
        self.assertContains(page, "Ei julkaistu.")
        self.assertContains(page, "epäonnistui")
        self.assertNotContains(page, 'http-equiv="refresh"')

    def test_an_unchanged_draft_has_nothing_to_publish(self) -> None:
        run = self.run_publish()
        self.assertEqual(run.state, PublishRun.FAILED)
        self.assertIn("ei ole muutoksia", run.step("check")["message"])
