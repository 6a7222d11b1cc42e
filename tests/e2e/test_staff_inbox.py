"""`make inbox` on conversations held with the running bot: the closest topic comes from the
bot, and no personal data is shown. The same on a store written in the test is in
tests/unit/test_staff_inbox.py."""

from __future__ import annotations

import pytest
import requests

from tests.support import copy_project, run_make


@pytest.mark.model
def test_inbox_on_conversations_with_the_running_bot(bot, tmp_path):
    def say(sender: str, message: str) -> None:
        reply = requests.post(
            f"{bot.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": message},
            timeout=60,
        )
        assert reply.status_code == 200

    say("inbox-a", "qwerty asdf zxcv, soita 040 123 4567")
    say("inbox-b", "qwerty asdf zxcv! mun nimi on Liisa Virtanen")
    say("inbox-c", "Mikä on perhekeskus?")
    project = copy_project(tmp_path / "project")
    result = run_make(
        "inbox",
        f"PROJEKTI={project.root}",
        f"PERHENEUVO_TRACKER_DB={bot.settings.tracker_db}",
        f"PERHENEUVO_RASA_URL={bot.rasa_url}",
        f"PERHENEUVO_API_TOKEN={bot.settings.api_token}",
    )
    output = result.stdout
    assert result.returncode == 0, output + result.stderr
    assert "040 123 4567" not in output and "Liisa" not in output and "Virtanen" not in output
    group = [g for g in output.split("\n\n") if "qwerty" in g]
    assert len(group) == 1 and " 2 kpl " in group[0], output
    assert "Botti ei ole käynnissä" not in output, "the closest topic comes from the running bot"
