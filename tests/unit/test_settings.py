"""Settings, secret files, shared constants and the shared helpers (bot/settings.py,
bot/secret_files.py, bot/constants.py, bot/probes.py, bot/stats.py, bot/retention.py,
bot/rasa_server.py, bot/quiet_warnings.py); no servers, no model."""

from __future__ import annotations

import http.server
import multiprocessing
import os
import stat
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import pytest

from bot import constants, probes, quiet_warnings
from bot.launcher import actions_command, rasa_command, rasa_server_env
from bot.rasa_server import with_auth_token
from bot.retention import DailyRetention
from bot.secret_files import new_secret, read_or_create_secret_file
from bot.settings import ROOT, Settings, endpoint_env
from bot.stats import percentile

# -- settings ----------------------------------------------------------------------------------


def test_knowledge_dir_defaults_to_the_project_and_follows_the_environment(monkeypatch):
    monkeypatch.delenv("PERHENEUVO_KNOWLEDGE_DIR", raising=False)
    assert Settings.from_env().knowledge_dir == ROOT / "knowledge"
    monkeypatch.setenv("PERHENEUVO_KNOWLEDGE_DIR", "/srv/tieto")
    settings = Settings.from_env()
    assert settings.knowledge_dir == Path("/srv/tieto")
    assert endpoint_env(settings)["PERHENEUVO_KNOWLEDGE_DIR"] == "/srv/tieto"


def test_every_setting_is_in_env_example():
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    for name in (
        "PERHENEUVO_RASA_PORT",
        "PERHENEUVO_ACTIONS_PORT",
        "PERHENEUVO_MODEL",
        "PERHENEUVO_WEB_PORT",
        "PERHENEUVO_CORS_ORIGINS",
        "TELEGRAM_BOT_TOKEN",
        "PERHENEUVO_TRACKER_DB",
        "PERHENEUVO_API_TOKEN",
        "PERHENEUVO_RASA_INTERFACE",
        "PERHENEUVO_KNOWLEDGE_DIR",
        "PERHENEUVO_RETENTION_DAYS",
    ):
        assert name in example, name


def test_no_reader_takes_settings_from_the_launcher():
    for folder in ("bot", "deploy", "staff", "scripts"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert "from bot.launcher import Settings" not in text, path
            assert "api_token_from_file" not in text, path


# -- the Rasa command line ---------------------------------------------------------------------


def test_rasa_command_holds_no_token_and_its_environment_does():
    settings = Settings(api_token="-starts-with-a-dash")
    command = rasa_command(settings, 5999)
    assert "--enable-api" in command
    assert not any("starts-with-a-dash" in part or "auth-token" in part for part in command)
    assert command[:3] == [sys.executable, "-m", "bot.rasa_server"]
    env = rasa_server_env(settings)
    assert env["PERHENEUVO_API_TOKEN"] == "-starts-with-a-dash"
    assert env["SANIC_REQUEST_MAX_SIZE"] == str(constants.REQUEST_BODY_LIMIT_BYTES)
    actions = actions_command(5998)
    assert actions[:3] == [sys.executable, "-m", "bot.action_server"]
    assert not any("starts-with-a-dash" in part for part in actions)


def test_the_token_is_added_in_one_argument_that_argparse_takes_whole():
    arguments = with_auth_token(["run", "--enable-api", "--port", "1"], "-abc")
    assert arguments[-1] == "--auth-token=-abc"
    assert with_auth_token(["run", "actions"], "") == ["run", "actions"]
    with pytest.raises(SystemExit):
        with_auth_token(["run", "--enable-api", "--auth-token", "x"], "y")
    with pytest.raises(SystemExit):
        with_auth_token(["run", "--enable-api"], "")
    from rasa.__main__ import create_argument_parser

    parsed = create_argument_parser().parse_args(arguments)
    assert parsed.auth_token == "-abc" and parsed.enable_api


# -- secret files ------------------------------------------------------------------------------


def test_a_secret_file_is_made_once_for_the_owner_only(tmp_path):
    path = tmp_path / "var" / "api-token"
    secret = read_or_create_secret_file(path)
    assert len(secret) >= 32 and secret[0].isalnum()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_or_create_secret_file(path) == secret
    assert [p.name for p in path.parent.iterdir()] == ["api-token"]  # no draft left behind


def test_an_existing_secret_file_is_read_as_it_is(tmp_path):
    path = tmp_path / "key"
    path.write_text("-kept-as-set\n")
    assert read_or_create_secret_file(path) == "-kept-as-set"


def test_generated_secrets_never_begin_with_a_dash(monkeypatch):
    values = iter(["-first", "_second", "Third"])
    monkeypatch.setattr("bot.secret_files.secrets.token_urlsafe", lambda n: next(values))
    assert new_secret() == "Third"
    monkeypatch.undo()
    assert all(new_secret()[0].isalnum() for _ in range(500))


def _make_secret(path: str, queue) -> None:
    queue.put(read_or_create_secret_file(Path(path)))


def test_processes_starting_together_all_get_the_same_secret(tmp_path):
    path = tmp_path / "shared"
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [context.Process(target=_make_secret, args=(str(path), queue)) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    found = {queue.get(timeout=10) for _ in workers}
    assert found == {path.read_text()}


def test_every_place_that_keeps_a_secret_uses_the_one_helper():
    users = []
    for folder in ("bot", "deploy", "staff"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if "read_or_create_secret_file(" in text and path.name != "secret_files.py":
                users.append(path.relative_to(ROOT).as_posix())
            assert "O_EXCL" not in text or path.name == "secret_files.py", path
    assert sorted(users) == ["bot/settings.py", "bot/telegram/config.py", "deploy/settings.py"]


# -- constants ---------------------------------------------------------------------------------


def test_shared_constants_have_one_definition():
    from bot import message_input
    from bot.telegram import conversation
    from components import guards
    from staff import inbox

    assert message_input.ALLOWED_COMMANDS == {constants.RESTART_COMMAND} == {"/restart"}
    assert guards.FALLBACK_INTENT is inbox.FALLBACK_INTENT is constants.FALLBACK_INTENT
    assert conversation.RESTART_COMMAND == "/restart"
    assert constants.REQUEST_BODY_LIMIT_BYTES == 64 * 1024
    template = (ROOT / "deploy" / "nginx.conf.template").read_text(encoding="utf-8")
    assert "client_max_body_size {{body_limit}};" in template and "64k" not in template


# -- probes, percentile, the daily loop --------------------------------------------------------


def test_free_ports_are_distinct_and_bindable():
    ports = probes.free_ports(5)
    assert len(set(ports)) == 5
    first = probes.free_port_block(3)
    assert all(1024 <= p <= 65535 for p in [*ports, first, first + 2])


def test_responds_is_true_only_for_a_200():
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200 if self.path == "/" else 503)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        assert probes.responds(f"http://127.0.0.1:{port}/")
        assert not probes.responds(f"http://127.0.0.1:{port}/busy")
        assert probes.port_open(port)
    finally:
        server.shutdown()
        server.server_close()
    assert not probes.responds(f"http://127.0.0.1:{port}/", timeout=0.5)
    assert not probes.port_open(port, timeout=0.5)


def test_percentile_matches_the_twentieths_it_replaces():
    import statistics

    values = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0, 5.0]
    assert percentile(values, 95) == pytest.approx(
        statistics.quantiles(values, n=20, method="inclusive")[18]
    )
    assert percentile([7.0], 95) == 7.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_daily_retention_runs_at_start_and_then_once_an_interval(tmp_path, monkeypatch):
    started = []

    class FakePopen:
        def __init__(self, command, **kwargs):
            started.append((command, kwargs))

        def poll(self):
            return 0

    monkeypatch.setattr(subprocess, "Popen", FakePopen)
    log = tmp_path / "retention.log"
    retention = DailyRetention(["--endpoints", "x.yml"], env={"A": "1"}, log_file=log, interval=100)
    assert retention.run_when_due(now=1000)
    assert not retention.run_when_due(now=1050)
    assert retention.run_when_due(now=1100)
    assert len(started) == 2
    command, kwargs = started[0]
    assert command == [sys.executable, "-m", "bot.retention", "--endpoints", "x.yml"]
    assert kwargs["env"] == {"A": "1"} and kwargs["cwd"] == ROOT
    assert constants.RETENTION_INTERVAL_S == 24 * 3600


def test_the_production_profile_gives_every_process_the_knowledge_dir(tmp_path, monkeypatch):
    from deploy.settings import ProductionSettings
    from deploy.supervisor import Service, Supervisor

    monkeypatch.setenv("PERHENEUVO_KNOWLEDGE_DIR", str(tmp_path / "tieto"))
    monkeypatch.setenv("PERHENEUVO_PRODUCTION_DIR", str(tmp_path / "profile"))
    monkeypatch.setenv("PERHENEUVO_POSTGRES_PASSWORD", "pw")
    monkeypatch.setenv("PERHENEUVO_REDIS_PASSWORD", "pw")
    settings = ProductionSettings.from_env()
    assert settings.server_env()["PERHENEUVO_KNOWLEDGE_DIR"] == str(tmp_path / "tieto")
    supervisor = Supervisor(tmp_path / "logs", tmp_path / "pids", settings.common_env())
    out = tmp_path / "env.txt"
    supervisor.start(
        Service(
            "probe",
            [
                sys.executable,
                "-c",
                f"import os; open({str(out)!r}, 'w').write(os.environ['PERHENEUVO_KNOWLEDGE_DIR'])",
            ],
            ready=lambda: out.exists(),
            env=settings.server_env(),
        )
    )
    supervisor.wait_ready(["probe"], 30)
    supervisor.stop(["probe"])
    assert out.read_text() == str(tmp_path / "tieto")


# -- warnings ----------------------------------------------------------------------------------


def test_third_party_deprecations_are_hidden_and_our_own_warnings_are_not():
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        warnings.simplefilter("always")
        quiet_warnings.install()
        for module in (
            "rasa.core.tracker_store",
            "sanic_cors.extension",
            "pkg_resources",
            "/x/site-packages/keras/utils/data_utils",
        ):
            warnings.warn_explicit("old", DeprecationWarning, "f.py", 1, module=module)
        warnings.warn_explicit("ours", DeprecationWarning, "f.py", 1, module="bot.launcher")
        warnings.warn_explicit("ours", DeprecationWarning, "f.py", 1, module="actions.contact")
        warnings.warn_explicit(
            "not a deprecation", UserWarning, "f.py", 1, module="rasa.core.agent"
        )
    assert [str(w.message) for w in caught] == ["ours", "ours", "not a deprecation"]
    for module, reason in quiet_warnings.THIRD_PARTY_DEPRECATIONS:
        assert reason and not module.startswith(("bot", "actions", "components", "staff"))


def test_process_entry_points_install_the_filters():
    for entry in (
        "bot/launcher.py",
        "bot/rasa_server.py",
        "bot/retention.py",
        "bot/telegram/__main__.py",
        "deploy/__main__.py",
        "scripts/bench/__main__.py",
    ):
        assert "quiet_warnings.install(" in (ROOT / entry).read_text(encoding="utf-8"), entry


def test_the_knowledge_dir_reaches_the_processes_the_launcher_spawns(tmp_path, monkeypatch):
    from bot.launcher import Stack

    recorded = {}

    class FakePopen:
        def __init__(self, command, env=None, **kwargs):
            recorded[command[2] if len(command) > 2 else command[0]] = env

    monkeypatch.setattr(subprocess, "Popen", FakePopen)
    monkeypatch.setenv("PERHENEUVO_API_TOKEN", "from-the-shell")
    settings = Settings(knowledge_dir=tmp_path / "tieto", api_token="configured")
    stack = Stack(settings)
    stack.start_actions()
    stack._spawn("rasa", ["x", "-m", "bot.rasa_server"], **rasa_server_env(settings))
    stack.start_web()
    stack.start_console()
    for env in recorded.values():
        assert env["PERHENEUVO_KNOWLEDGE_DIR"] == str(tmp_path / "tieto")
    assert recorded["bot.rasa_server"]["PERHENEUVO_API_TOKEN"] == "configured"
    assert "PERHENEUVO_API_TOKEN" not in recorded["bot.web"]
    # The console publishes: it loads models through Rasa's HTTP API with the same token.
    assert recorded["console"]["PERHENEUVO_API_TOKEN"] == "configured"
    assert os.environ["PERHENEUVO_API_TOKEN"] == "from-the-shell"
