"""The production profile under load and faults (`make test-production`).

Starts `python -m deploy` on free loopback ports: PostgreSQL, Redis, two Rasa servers, the
action server and nginx. Checks that nginx passes on only the REST channel, refuses large
bodies and limits requests per client address; then 100 concurrent conversations of 10
messages each go through nginx while, one after another, a Rasa server is killed, the action
server is killed and Redis is stopped, each brought back by the runner alone. Every
conversation must get every answer, and its whole history must be in PostgreSQL. Ratings and a
family that asks for a person are in the mix: every rating is stored, and the staff member's
reply (written in the console through nginx) reaches the family, whichever Rasa server it
asks; a separate test asks each server in turn.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import re
import signal
import sys
import time
from collections import Counter
from typing import Any, Dict, List, Optional

import aiohttp
import psycopg2
import pytest
import requests
import sqlalchemy as sa

from bot import feedback, handover
from deploy.harness import Conversations, LocalProfile, figures, is_try_again, post_json

pytestmark = [pytest.mark.model, pytest.mark.production]

CONVERSATIONS = 100
# (message, answered by the action server); each phase with a fault sends an FAQ message first,
# then one the action server answers.
MESSAGES = [
    ("Mikä on perhekeskus?", False),
    ("keneen otan yhteyttä mikkelissä", True),
    ("mitä on eroauttaminen", False),
    ("onko kangasniemellä kohtaamispaikkaa", True),
    ("mikä on lapset puheeksi", False),
    ("keneen otan yhteyttä kangasniemellä", True),
    ("hei", False),
    ("kuka on keski-suomen muutosagentti", True),
    ("onko mikkelissä kohtaamispaikkaa", True),
    ("kiitos", False),
]
# Answers rated right after they come: one while rasa-1 is down, one while Redis is stopped.
RATED = (2, 7)
RATING_COMMENT = "ei vastannut kysymykseeni, soittakaa 040 1234567"
# Phases of two messages each; the fault is made once this share of a phase's answers is in.
PHASES = ["both servers", "rasa-1 killed", "action server killed", "redis stopped", "all recovered"]
FAULT_AFTER = 0.3
RECOVERY_TIMEOUT_S = 300.0
# A municipality's site that embeds the widget and calls the REST channel from the browser.
EMBEDDING_SITE = "https://perhe.example-kunta.fi"


@pytest.fixture(scope="module")
def profile(request):
    local = LocalProfile(rasa_servers=2, extra_env={"PERHENEUVO_CORS_ORIGINS": EMBEDDING_SITE})
    try:
        local.start()
    except (RuntimeError, TimeoutError):
        local.stop()
        local.remove()
        raise
    failed_before = request.session.testsfailed
    yield local
    local.stop()
    if request.session.testsfailed > failed_before:
        # past pytest's capture: the logs are what tells why
        print(f"\n{local.logs_tail()}\n(kept {local.directory})", file=sys.__stderr__)
    else:
        local.remove()


def nginx(profile: LocalProfile, path: str, method: str = "GET") -> http.client.HTTPResponse:
    """A request with the path exactly as written (no client-side normalising)."""
    connection = http.client.HTTPConnection("127.0.0.1", profile.settings.http_port, timeout=30)
    connection.request(method, path)
    reply = connection.getresponse()
    reply.read()
    connection.close()
    return reply


def test_rasa_http_api_is_not_reachable_through_nginx(profile):
    token = profile.api_token
    rasa = f"http://127.0.0.1:{profile.settings.rasa_ports[0]}"
    # the API is on and the token works on the Rasa server's own loopback port ...
    assert requests.get(f"{rasa}/status", params={"token": token}, timeout=30).status_code == 200
    # ... but nothing of it is reachable through nginx, token or not
    for method, path in [
        ("GET", f"/status?token={token}"),
        ("GET", "/version"),
        ("GET", f"/conversations/x/tracker?token={token}"),
        ("PUT", f"/model?token={token}"),
        ("POST", f"/model/parse?token={token}"),
        ("GET", f"/webhooks/rest/../../status?token={token}"),
        ("GET", f"/webhooks/rest/%2e%2e/%2e%2e/status?token={token}"),
        ("GET", f"/webhooks/rest/..%2f..%2fstatus?token={token}"),
        ("DELETE", "/webhooks/rest/webhook"),
    ]:
        status = nginx(profile, path, method).status
        assert status in (400, 403, 404, 405), (method, path, status)
    # the REST channel and the widget's page are
    assert nginx(profile, "/webhooks/rest/").status == 200
    page = requests.get(f"{profile.url}/", timeout=30)
    assert page.status_code == 200 and "perheneuvo.js" in page.text
    assert "{{" not in page.text
    assert "connect-src 'self'" in page.headers["Content-Security-Policy"]


def test_the_staff_console_is_reachable_only_under_its_own_name(profile):
    settings = profile.settings
    families = requests.get(f"{profile.url}/kirjaudu/", timeout=30, allow_redirects=False)
    assert families.status_code == 404 and "Kirjaudu" not in families.text
    console = requests.get(
        f"{profile.url}/kirjaudu/",
        headers={"Host": f"{settings.console_server_name}:{settings.http_port}"},
        timeout=30,
    )
    assert console.status_code == 200 and "Kirjaudu sisään" in console.text
    assert "script-src 'self'" in console.headers["Content-Security-Policy"]
    # Logged in through nginx, the inbox reads the profile's PostgreSQL conversation store.
    session = console_session(profile)
    inbox = session.get(f"{profile.url}/saapuneet/", timeout=60)
    assert inbox.status_code == 200 and "päivän ajalta" in inbox.text, inbox.text[:2000]
    assert "keskustelutietokantaa ei voitu lukea" not in inbox.text


def console_session(profile: LocalProfile) -> requests.Session:
    """The first pääkäyttäjä logged in to the console through nginx, under its own name."""
    settings = profile.settings
    host = f"{settings.console_server_name}:{settings.http_port}"
    session = requests.Session()
    session.headers.update({"Host": host, "Origin": f"http://{host}"})
    page = session.get(f"{profile.url}/kirjaudu/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    password = (settings.path("console") / "console-admin-password").read_text().strip()
    login = session.post(
        f"{profile.url}/kirjaudu/",
        data={"csrfmiddlewaretoken": token, "username": "paakayttaja", "password": password},
        timeout=30,
        allow_redirects=False,
    )
    assert login.status_code == 302, login.text[:500]
    session.headers["X-CSRFToken"] = session.cookies["perheneuvo_console_csrftoken"]
    return session


def test_widget_on_a_configured_site_may_call_the_channel_through_nginx(profile):
    url = f"{profile.url}/webhooks/rest/webhook"
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    allowed = requests.options(url, headers={"Origin": EMBEDDING_SITE, **preflight}, timeout=30)
    assert allowed.headers.get("Access-Control-Allow-Origin") == EMBEDDING_SITE
    other = requests.options(
        url, headers={"Origin": "https://elsewhere.example", **preflight}, timeout=30
    )
    assert "Access-Control-Allow-Origin" not in other.headers
    reply = requests.post(
        url,
        json={"sender": "cors-check", "message": "hei"},
        headers={"Origin": EMBEDDING_SITE},
        timeout=60,
    )
    assert reply.status_code == 200 and reply.json()
    assert reply.headers.get("Access-Control-Allow-Origin") == EMBEDDING_SITE


def test_nginx_refuses_bodies_over_64_kb(profile):
    url = f"{profile.url}/webhooks/rest/webhook"
    small = json.dumps({"sender": "size-check", "message": "x" * 2000}).encode()
    assert requests.post(url, data=small, timeout=60).status_code == 200
    padding = 64 * 1024 - len(b'{"sender": "size-check", "message": ""}') + 1
    large = json.dumps({"sender": "size-check", "message": "x" * padding}).encode()
    assert len(large) == 64 * 1024 + 1
    assert requests.post(url, data=large, timeout=60).status_code == 413


def per_second(rate: str) -> float:
    """nginx's rate ("10r/s", "600r/m") in requests per second."""
    count, unit = rate.split("r/")
    return float(count) / (60.0 if unit == "m" else 1.0)


async def requests_from(source: str, url: str, count: int) -> Counter:
    """`count` requests at once from the client address `source`; their statuses."""
    connector = aiohttp.TCPConnector(local_addr=(source, 0), limit=count)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one() -> int:
            async with session.get(url) as reply:
                return reply.status

        return Counter(await asyncio.gather(*(one() for _ in range(count))))


def test_nginx_limits_requests_per_client_address(profile):
    settings = profile.settings
    url = f"{profile.url}/webhooks/rest/"

    async def flood_and_another():
        flood = asyncio.create_task(requests_from("127.0.0.77", url, 3 * settings.rate_burst))
        await asyncio.sleep(0.05)
        return await flood, await requests_from("127.0.0.78", url, 1)

    started = time.monotonic()
    flooded, other = asyncio.run(flood_and_another())
    elapsed = time.monotonic() - started
    # the burst and what the rate refills meanwhile get through; the rest is refused
    allowed = settings.rate_burst + 1 + int(elapsed * per_second(settings.rate_limit)) + 1
    assert set(flooded) == {200, 429}, flooded
    assert settings.rate_burst + 1 <= flooded[200] <= allowed, (flooded, elapsed)
    # another address is not affected
    assert other == Counter({200: 1})


# -- a person and ratings: shared by both Rasa servers ------------------------------------------

ALL_DAY = {day: ("0:00", "23:59") for day in range(7)}
HANDOVER_TEXTS = handover.texts()
STAFF_REPLY = "Hei, olen perhekeskuksen työntekijä. Miten voin auttaa?"


def store_engine(profile: LocalProfile):
    return handover.engine_for(profile.settings.tracker_store_url())


class Family:
    """A family's widget over the REST channel (`base`: nginx, or one Rasa server directly),
    sending a message again after a failure and after the "try again" of an outage."""

    def __init__(self, base: str, sender: str):
        self.base = base
        self.sender = sender
        self.sent = 0

    def say(self, text: str, base: Optional[str] = None, deadline: float = 240.0) -> List[dict]:
        started = time.monotonic()
        while True:  # a "try again" turn is not stored: sent again as a new message
            self.sent += 1
            body = {
                "sender": self.sender,
                "message": text,
                "message_id": f"{self.sender}-{self.sent}",
            }
            reply = self._call("post", "webhook", deadline, base, json=body)
            if not is_try_again(texts_of(reply)):
                return reply
            assert time.monotonic() - started < deadline, f"only 'try again' for {text!r}"
            time.sleep(1.0)

    def staff_messages(self, base: Optional[str] = None) -> dict:
        return self._call("get", "handover", 60.0, base, params={"sender": self.sender})

    def _call(self, method: str, path: str, deadline: float, base: Optional[str], **kw) -> Any:
        url = f"{base or self.base}/webhooks/rest/{path}"
        started = time.monotonic()
        while True:
            try:
                reply = requests.request(method, url, timeout=60, **kw)
                if reply.status_code == 200:
                    return reply.json()
                if reply.status_code not in (429, 500, 502, 503, 504):
                    raise AssertionError(f"{method} {path}: {reply.status_code} {reply.text}")
            except requests.RequestException:
                pass
            assert time.monotonic() - started < deadline, f"no answer to {method} {path}"
            time.sleep(1.0)


def texts_of(reply: List[dict]) -> List[str]:
    return [m["text"] for m in reply if isinstance(m, dict) and m.get("text")]


def handover_status(reply: List[dict]) -> Optional[str]:
    """The status the REST channel adds while the conversation is with (or asked of) staff."""
    for message in reply:
        custom = message.get("custom") if isinstance(message, dict) else None
        if isinstance(custom, dict) and custom.get("handover"):
            return custom["handover"]
    return None


def staff_post(profile: LocalProfile, session: requests.Session, path: str, **data) -> None:
    reply = session.post(f"{profile.url}{path}", data=data, timeout=60, allow_redirects=False)
    assert reply.status_code == 302, (path, reply.status_code, reply.text[:500])


def wait_for(condition, what: str, timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for: {what}"
        time.sleep(1.0)


def person_requested(profile: LocalProfile, family: Family) -> handover.Request:
    """The family names its municipality and asks for a person in opening hours."""
    engine = store_engine(profile)
    with engine.begin() as connection:
        handover.set_hours(connection, "etela-savo", ALL_DAY)
    family.say("asun mikkelissä")
    asked = family.say("haluan puhua ihmisen kanssa")
    assert "Pyysin työntekijää" in " ".join(texts_of(asked)), asked
    assert handover_status(asked) == handover.WAITING, asked
    with engine.connect() as connection:
        request = handover.latest(connection, family.sender)
    engine.dispose()
    assert request is not None and request.status == handover.WAITING
    return request


def staff_reply_seen(family: Family, base: Optional[str] = None) -> bool:
    return any(m["text"] == STAFF_REPLY for m in family.staff_messages(base)["messages"])


def talk_to_a_person(profile: LocalProfile, family: Family, servers: List[str]) -> None:
    """A staff member takes the request in the console and replies; the family gets the reply
    and the bot stays silent through every base in `servers`; handed back, the bot answers."""
    request = person_requested(profile, family)
    staff = console_session(profile)
    staff_post(profile, staff, f"/keskustelut/{request.id}/ota/")
    staff_post(profile, staff, f"/keskustelut/{request.id}/vastaa/", teksti=STAFF_REPLY)
    for base in servers:
        wait_for(lambda base=base: staff_reply_seen(family, base), f"the staff reply via {base}")
        silent = family.say("mikä on erokahvila", base)
        assert texts_of(silent) == [] and handover_status(silent) == handover.TAKEN, silent
    page = staff.get(f"{profile.url}/keskustelut/{request.id}/", timeout=60)
    assert page.text.count("mikä on erokahvila") == len(servers), page.text[:3000]
    staff_post(profile, staff, f"/keskustelut/{request.id}/palauta/")
    for base in servers:
        wait_for(
            lambda base=base: family.staff_messages(base)["status"] == handover.RETURNED,
            f"handed back via {base}",
        )
        again = texts_of(family.say("mikä on erokahvila", base))
        assert again and "erokahvila" in " ".join(again).lower(), again


def test_a_staff_reply_reaches_the_family_whichever_rasa_server_it_asks(profile):
    """The family's messages and polls go to each Rasa server in turn, as nginx may send
    them: the request, the staff member's reply, the bot's silence and its return are the
    same on both, because they are in the shared PostgreSQL store."""
    servers = [f"http://127.0.0.1:{port}" for port in profile.settings.rasa_ports]
    assert len(servers) == 2
    family = Family(servers[1], "across-servers")
    talk_to_a_person(profile, family, servers)


# -- load and faults -----------------------------------------------------------------------------


def reference_answers(profile: LocalProfile) -> List[List[str]]:
    """What one conversation is answered with when nothing is wrong."""
    probe = Conversations(profile.url, 1, [m for m, _ in MESSAGES], "probe")
    asyncio.run(probe.run())
    assert not probe.failures, probe.failures
    answers = [probe.answers[(0, i)].texts for i in range(len(MESSAGES))]
    for (message, _), texts in zip(MESSAGES, answers, strict=True):
        assert texts and not is_try_again(texts), (message, texts)
    return answers


class FaultRun:
    """Runs the conversations phase by phase, making one fault in each middle phase."""

    def __init__(self, profile: LocalProfile, load: Conversations):
        self.profile = profile
        self.load = load
        self.events = [asyncio.Event() for _ in PHASES]
        self.windows: Dict[str, List[float]] = {}  # phase -> [start, last answer]
        self.recovery_s: Dict[str, float] = {}
        self.access_log_offset = 0

    async def gate(self, index: int) -> None:
        await self.events[index // 2].wait()

    async def control(self) -> None:
        faults = {1: "rasa-1", 2: "actions", 3: "redis"}
        for phase, name in enumerate(PHASES):
            indices = [2 * phase, 2 * phase + 1]
            if phase == len(PHASES) - 1:
                self.access_log_offset = (
                    self.profile.settings.path("logs", "nginx-access.log").stat().st_size
                )
            start = time.monotonic()
            self.events[phase].set()
            old_pid = None
            if phase in faults:
                await self.until(
                    lambda indices=indices: (
                        self.load.settled(indices) >= FAULT_AFTER * 2 * CONVERSATIONS
                    ),
                    600,
                    f"{name}: answers",
                )
                # Redis is stopped as an operator would; the servers are killed outright
                signum = signal.SIGTERM if faults[phase] == "redis" else signal.SIGKILL
                old_pid = self.profile.kill(faults[phase], signum)
                killed_at = time.monotonic()
            await self.until(
                lambda indices=indices: self.load.settled(indices) >= 2 * CONVERSATIONS,
                900,
                f"{name}: all answers",
            )
            last = max(
                (a.answered_at for (_, i), a in self.load.answers.items() if i in indices),
                default=time.monotonic(),
            )
            self.windows[name] = [start, last]
            if old_pid is not None:
                service = faults[phase]
                await self.until(
                    lambda service=service, old_pid=old_pid: self.profile.restarted(
                        service, old_pid
                    ),
                    RECOVERY_TIMEOUT_S,
                    f"{service} restarted by the runner",
                    blocking=True,
                )
                self.recovery_s[service] = time.monotonic() - killed_at

    async def until(self, condition, timeout: float, what: str, blocking: bool = False) -> None:
        """Waits for `condition()`; one that does network calls runs in a thread (`blocking`),
        so that the conversations' own timing is not held up."""
        deadline = time.monotonic() + timeout
        while not (await asyncio.to_thread(condition) if blocking else condition()):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for: {what}")
            await asyncio.sleep(0.2)

    async def run(self) -> None:
        control = asyncio.create_task(self.control())
        load = asyncio.create_task(self.load.run(self.gate))
        await asyncio.wait({control, load}, return_when=asyncio.FIRST_EXCEPTION)
        if control.done() and control.exception():
            load.cancel()  # the conversations would wait at the next gate for ever
        await control
        await load


def stored_history(profile: LocalProfile, prefix: str) -> Dict[str, List[dict]]:
    """The events of every load conversation, in the order PostgreSQL stored them."""
    settings = profile.settings
    connection = psycopg2.connect(
        host="127.0.0.1",
        port=settings.postgres_port,
        dbname=settings.postgres_db,
        user=settings.postgres_user,
        password=settings.database_password,
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT sender_id, type_name, data FROM events WHERE sender_id LIKE %s ORDER BY id",
                (prefix + "-%",),
            )
            history: Dict[str, List[dict]] = {}
            for sender, kind, data in cursor.fetchall():
                history.setdefault(sender, []).append({"type": kind, **json.loads(data)})
    finally:
        connection.close()
    return history


def turns(events: List[dict]) -> List[tuple]:
    """(message_id, text, bot texts after it) for every user message, in stored order."""
    result = []
    for event in events:
        if event["type"] == "user":
            result.append((event.get("message_id"), event.get("text"), []))
        elif event["type"] == "bot" and result:
            result[-1][2].append(event.get("text"))
    return result


class Ratings:
    """Every conversation rates the answers to RATED right after getting them: even ones
    "helpful", odd ones "not helpful" with a comment that has a phone number in it."""

    def __init__(self, profile: LocalProfile, load: Conversations):
        self.url = f"{profile.url}/webhooks/rest/feedback"
        self.load = load
        self.replies: Dict[tuple, tuple] = {}

    @staticmethod
    def rating(number: int) -> str:
        return feedback.HELPFUL if number % 2 == 0 else feedback.NOT_HELPFUL

    async def __call__(self, session, number: int, index: int, _answer) -> None:
        if index not in RATED:
            return
        body = {
            "sender": self.load.sender(number),
            "message_id": self.load.message_id(number, index),
            "rating": self.rating(number),
        }
        if body["rating"] == feedback.NOT_HELPFUL:
            body["comment"] = RATING_COMMENT
        status, data, _attempts = await post_json(session, self.url, body, 240.0)
        self.replies[(number, index)] = (status, data)


def test_load_with_a_server_the_action_server_and_redis_failing(profile, capsys):
    """The load, with ratings and a conversation handed to a person in the mix."""
    reference = reference_answers(profile)
    load = Conversations(profile.url, CONVERSATIONS, [m for m, _ in MESSAGES], "load")
    ratings = Ratings(profile, load)
    load.after_answer = ratings
    run = FaultRun(profile, load)

    async def with_a_person_asked_for() -> None:
        person = Family(profile.url, "mix-person")
        asked = asyncio.create_task(
            asyncio.to_thread(talk_to_a_person, profile, person, [profile.url])
        )
        await run.run()
        await asked

    started = time.monotonic()
    asyncio.run(with_a_person_asked_for())
    wall = time.monotonic() - started

    assert not load.failures, sorted(load.failures.items())[:10]
    # every conversation got an answer to every message: the right one, or during the
    # action server's outage (only there, only for a message that needs it) "try again"
    try_again = Counter()
    for (number, index), answer in sorted(load.answers.items()):
        phase = PHASES[index // 2]
        message, needs_action = MESSAGES[index]
        if answer.texts == reference[index]:
            continue
        assert phase == "action server killed" and needs_action and is_try_again(answer.texts), (
            load.sender(number),
            message,
            answer.texts,
        )
        try_again[message] += 1
    assert len(load.answers) == CONVERSATIONS * len(MESSAGES)
    assert sum(try_again.values()) >= 1, "the action server's outage was never noticed"

    # the whole history of every conversation is in PostgreSQL: each message once, in order,
    # followed by the answers the family got ("try again" is the channel's, never stored)
    history = stored_history(profile, "load")
    assert len(history) == CONVERSATIONS
    for number in range(CONVERSATIONS):
        sender = load.sender(number)
        stored = turns(history[sender])
        assert [t[0] for t in stored] == [load.message_id(number, i) for i in range(10)], sender
        for index, (message_id, text, bots) in enumerate(stored):
            assert text == MESSAGES[index][0], (message_id, text)
            got = load.answers[(number, index)].texts
            assert bots == got or (is_try_again(got) and bots == []), (message_id, bots, got)

    # every rating was taken, whichever server got it, and is in PostgreSQL, comments masked
    assert len(ratings.replies) == CONVERSATIONS * len(RATED)
    refused = {k: v for k, v in ratings.replies.items() if v[0] != 200}
    assert not refused, sorted(refused.items())[:5]
    engine = store_engine(profile)
    with engine.connect() as connection:
        stored = connection.execute(
            sa.select(
                feedback.FEEDBACK.c.sender_id,
                feedback.FEEDBACK.c.message_id,
                feedback.FEEDBACK.c.rating,
                feedback.FEEDBACK.c.comment,
            ).where(feedback.FEEDBACK.c.sender_id.like("load-%"))
        ).fetchall()
    engine.dispose()
    expected = {
        (load.sender(n), load.message_id(n, i)): Ratings.rating(n)
        for n in range(CONVERSATIONS)
        for i in RATED
    }
    assert {(s, m): r for s, m, r, _c in stored} == expected
    comments = [c for _s, _m, r, c in stored if r == feedback.NOT_HELPFUL]
    assert comments and all(c and "1234567" not in c for c in comments), comments[:3]

    # after the faults both Rasa servers answer through nginx again
    log = profile.settings.path("logs", "nginx-access.log").read_text()[run.access_log_offset :]
    used = Counter(
        line.split("upstream=")[1].split()[0].rstrip(",")
        for line in log.splitlines()
        if '"POST /webhooks/rest/webhook" 200' in line
    )
    rasa = {f"127.0.0.1:{port}" for port in profile.settings.rasa_ports}
    assert rasa <= set(used), used

    with capsys.disabled():
        print(report(profile, load, run, sum(try_again.values()), wall))


def report(
    profile: LocalProfile, load: Conversations, run: FaultRun, try_again: int, wall: float
) -> str:
    """Latency (from the first attempt to the answer) and throughput, phase by phase; the
    time a phase waited for a restarted process to answer again is not counted."""
    lines = [
        f"\nproduction profile: up in {profile.startup_s:.0f} s; {CONVERSATIONS} conversations"
        f" x {len(MESSAGES)} messages through nginx to 2 Rasa servers, {wall:.0f} s in all",
        f"  {'phase':<22}{'msgs':>6}{'p50 ms':>9}{'p95 ms':>9}{'msg/s':>8}{'retries':>9}  notes",
    ]
    notes = {
        PHASES[1]: f"rasa-1 answering again {run.recovery_s['rasa-1']:.0f} s after",
        PHASES[2]: f"actions answering again {run.recovery_s['actions']:.0f} s after; "
        f"{try_again} 'try again' answers",
        PHASES[3]: f"redis answering again {run.recovery_s['redis']:.0f} s after",
    }

    def row(label: str, phases: List[int]) -> Dict:
        answers = [a for (_, i), a in load.answers.items() if i // 2 in phases]
        busy = sum(run.windows[PHASES[p]][1] - run.windows[PHASES[p]][0] for p in phases)
        f = figures(answers, busy)
        f["retries"] = sum(load.retries[i] for i in load.retries if i // 2 in phases)
        lines.append(
            f"  {label:<22}{f['messages']:>6}{f['p50_ms']:>9}{f['p95_ms']:>9}"
            f"{f['msgs_per_s']:>8}{f['retries']:>9}  {notes.get(label, '')}"
        )
        return f

    for phase, name in enumerate(PHASES):
        row(name, [phase])
    everything = row("all phases", list(range(len(PHASES))))
    steady = row("no fault (1st + 5th)", [0, len(PHASES) - 1])
    lines.append(
        "PRODUCTION_FIGURES "
        + json.dumps(
            {"startup_s": round(profile.startup_s, 1), "all": everything, "no_fault": steady}
        )
    )
    return "\n".join(lines)


def test_runner_stops_everything_it_started(profile):
    pids = {
        name: profile.pid(name)
        for name in ["postgres", "redis", "actions", "rasa-1", "rasa-2", "console", "nginx"]
    }
    assert all(pids.values()), pids
    assert profile.stop() == 0
    alive = [name for name, pid in pids.items() if _alive(pid)]
    assert not alive, alive
    assert not profile.answering("rasa-1") and not profile.answering("redis")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except OSError:
        return False
