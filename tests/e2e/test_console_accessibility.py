"""Every page of the staff console against WCAG 2.1 A and AA with axe-core (tests/support/axe.py),
in Debian's headless Chromium against a real `python -m console`, and at 200 % zoom (a
window 640 CSS pixels wide) with nothing that needs horizontal scrolling.

The pages come from the console's URL patterns, so a new page is checked without touching
this test. A pattern with parameters needs a sample value (SAMPLE_VALUES); a POST-only
address needs an entry in NOT_PAGES saying where its form is; anything else unvisited fails
the test. Needs no trained model; needs `make browser-deps` (axe-core).

With PERHENEUVO_SCREENSHOT_DIR set (`make screenshots`), every page at 1280 px is also saved
as a PNG for the staff guide (tests/support/screenshots.py), named after its route."""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any, Dict, List, Tuple

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from bot import handover
from bot.launcher import stop_process
from console.publishing import draft, history
from console.publishing.draft import content_files
from console.texts import say
from staff.project import Project
from tests.support import copy_project, headless_chromium
from tests.support.axe import axe_source, axe_violations, describe, horizontal_overflow
from tests.support.console import django_ready, loaded, start_console
from tests.support.conversations import fill_store, parse_data
from tests.support.screenshots import screenshot

WAIT = 60
TOPIC = "erokahvila"
# A value for each URL parameter of the console's patterns, by the parameter's name.
SAMPLE_VALUES = {"name": TOPIC}
# Where a parameter names something else under an address: a person, a place, a project.
SAMPLE_VALUES_UNDER = {
    "yhteystiedot/": {"name": "hanna-kokkonen"},
    "paikat/": {"name": "perheneuvo-juva"},
    "hankkeet/": {"name": "turvassa"},
    "tunnukset/": {"pk": "1"},  # the first pääkäyttäjä
    "julkaisu/": {"run_id": "1"},  # the failed publication the fixture records
    "keskustelut/": {"pk": "1"},  # the request for a person the fixture makes, taken
}
# Addresses that are not pages, with the reason; every other pattern must be visited.
NOT_PAGES = {
    "healthz": "plain text for the load balancer, no HTML",
    "kirjaudu-ulos/": "POST only: the log-out button on every page",
    "saapuneet/lisaa/": "POST only: the add forms on saapuneet/",
    "saapuneet/ohita/": "POST only: the dismiss buttons on saapuneet/",
    "taulukot/lataa/": "an XLSX download, no HTML",
    "tilastot/tilastot.csv": "a CSV download, no HTML",
    "taulukot/tuo/": "POST only: the form on taulukot/; test_console_sheets_browser checks it",
    "taulukot/tuo/vie-luonnokseen/": "POST only: the button on taulukot/tuo/esikatselu/",
    "taulukot/tuo/peru/": "POST only: the button on taulukot/tuo/esikatselu/",
    "julkaisu/julkaise/": "POST only: the publish button on julkaisu/",
    "julkaisu/hylkaa/": "POST only: the discard button on julkaisu/",
    "julkaisu/versiot/<str:commit>/palauta/": "POST only: the restore button on its version page",
    "tunnukset/<int:pk>/kaytossa/": "POST only: the button on tunnukset/<pk>/",
    **{
        f"keskustelut/<int:pk>/{action}/": "POST only: the buttons on keskustelut/<pk>/"
        for action in ("ota", "vastaa", "palauta", "sulje")
    },
    "keskustelut/tila/": "JSON that keskustelut/ polls to refresh itself (conversations.js)",
    "keskustelut/<int:pk>/tila/": "JSON that keskustelut/<pk>/ polls to refresh itself",
    "tunnukset/<int:pk>/uusi-salasana/": "POST only: the button on tunnukset/<pk>/",
    "tunnukset/<int:pk>/avaa-lukitus/": "POST only: the button on tunnukset/<pk>/",
    **{
        f"{kind}/<slug:name>/{action}/": f"POST only: the buttons on {kind}/<name>/"
        for kind in ("yhteystiedot", "paikat", "hankkeet")
        for action in ("tarkistettu", "paattynyt")
    },
}
ZOOMED_WIDTH = 640  # 1280 CSS pixels at 200 %
PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
CONVERSATIONS = {
    "perhe-1": [
        (
            "voiko erokahvilaan tulla vauvan kanssa",
            parse_data("", "nlu_fallback", 0.8, TOPIC, 0.45),
            "action_ask_rephrase",
            1,
        ),
        (
            "Mun nimi on Liisa Virtanen ja tarvitsen pitkän vastauksen johonkin "
            "hyvin_pitkään_sanaan_joka_ei_mahdu_kapeaan_ikkunaan_mitenkään_ilman_rivitystä",
            parse_data("", "out_of_scope", 0.7),
            "utter_out_of_scope",
            2,
        ),
    ],
    "perhe-2": [
        (
            "Voiko erokahvilaan tulla vauvan kanssa?",
            parse_data("", "nlu_fallback", 0.7),
            "action_ask_rephrase",
            1,
        )
    ],
}


def console_routes() -> List[str]:
    """Every URL pattern of the console as a route ("aiheet/<slug:name>/")."""
    django_ready()
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns: List[Any], prefix: str) -> List[str]:
        found: List[str] = []
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                found += walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                found.append(route)
        return found

    return walk(get_resolver().url_patterns, "")


def screenshot_name(route: str) -> str:
    """A stable file name for a route's screenshot: its parts without the parameters, and
    "-sivu" for one item's page ("yhteystiedot/<slug:name>/muokkaa/" → yhteystiedot-muokkaa,
    "aiheet/<slug:name>/" → aiheet-sivu, "" → etusivu)."""
    parts = [p for p in route.strip("/").split("/") if p]
    name = "-".join(p for p in parts if not PARAMETER.fullmatch(p)) or "etusivu"
    return name + "-sivu" if parts and PARAMETER.fullmatch(parts[-1]) else name


def pages_to_visit() -> Tuple[Dict[str, str], List[str]]:
    """({path to visit: its route}, routes that could not be filled in)."""
    paths: Dict[str, str] = {}
    unfilled = []
    for route in console_routes():
        if route in NOT_PAGES:
            continue
        samples = dict(SAMPLE_VALUES)
        for prefix, values in SAMPLE_VALUES_UNDER.items():
            if route.startswith(prefix):
                samples.update(values)
        names = [m.group("name") for m in PARAMETER.finditer(route)]
        if any(name not in samples for name in names):
            unfilled.append(route)
            continue
        paths["/" + PARAMETER.sub(lambda m, s=samples: s[m.group("name")], route)] = route
    return paths, unfilled


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    axe_source()  # skips the module when axe-core is not installed
    root = tmp_path_factory.mktemp("project")
    copy_project(root)
    var_dir = tmp_path_factory.mktemp("var")
    store = tmp_path_factory.mktemp("store") / "conversations.db"
    fill_store(store, CONVERSATIONS)
    # a request for a person, taken and answered: the Keskustelut pages with their forms
    engine = handover.engine_for(str(store))
    with engine.begin() as connection:
        made = handover.open_request(connection, "perhe-1", "rest", "etela-savo", "Ei ketään.")
        handover.take(connection, made.id, "paakayttaja")
        handover.add_message(connection, made, handover.FAMILY, "Hei, tarvitsen apua.")
        handover.add_message(connection, made, handover.STAFF, "Hei, olen työntekijä.")
        handover.set_hours(connection, "etela-savo", {0: ("9:00", "15:00")})
    engine.dispose()
    with pytest.MonkeyPatch.context() as patch:
        # The inbox reads this store; no bot on port 9, so the stored predictions are used.
        patch.setenv("PERHENEUVO_TRACKER_DB", str(store))
        patch.setenv("PERHENEUVO_RASA_URL", "http://127.0.0.1:9")
        patch.setenv("PERHENEUVO_API_TOKEN", "x")
        process, url = start_console(root, var_dir)
    # a version in the history and a failed publication, for their pages
    live = Project(root)
    history.ensure_initial(live)
    topic = f"data/faq/{TOPIC}.yml"
    edited = (root / topic).read_bytes().replace(b"Erokahvila", b"Erokahvila (muutettu)", 1)
    files = dict(content_files(live), **{topic: edited})
    SAMPLE_VALUES["commit"] = history.record(live, files, "testi", "Kokeiluversio")
    # and a later one, so that the sample version's page offers the restore
    later = edited.replace(b"Erokahvila (muutettu)", b"Erokahvila (muutettu uudelleen)", 1)
    history.record(live, dict(files, **{topic: later}), "testi", "Uudempi kokeiluversio")
    # the draft changes an answer and a phone number: the diff on the draft page, the notice
    # of an unpublished change on the topic pages
    editing = draft.ensure(live)
    draft_topic = editing.root / topic
    draft_topic.write_text(
        draft_topic.read_text(encoding="utf-8")
        .replace(
            "Kysy, järjestetäänkö erokahvilaa nyt, oman kuntasi perhekeskuksesta.",
            "Kysy erokahvilan nykyisistä ajoista oman kuntasi perhekeskuksesta.",
        )
        .replace(
            "    - tarviiks erokahvilaan ilmottautua\n",
            "    - tarviiks erokahvilaan ilmottautua\n"
            "    - saako erokahvilaan tulla vauvan kanssa\n",
        ),
        encoding="utf-8",
    )
    contacts = editing.knowledge_dir / "contacts.yml"
    contacts.write_text(
        contacts.read_text(encoding="utf-8").replace("040 359 8519", "040 359 8520", 1),
        encoding="utf-8",
    )
    finding = (
        f"{topic}:33: VIRHE: Vastaus utter_faq/{TOPIC} on 812 merkkiä pitkä; enintään 700 "
        "merkkiä mahtuu puhelimen näytölle kerralla. Lyhennä vastausta."
    )
    steps = [
        {
            "key": "check",
            "title": say("publish.step_check"),
            "state": "failed",
            "message": say("publish.check_failed", count=1, findings=finding),
        },
        *(
            {"key": key, "title": say(f"publish.step_{key}"), "state": "skipped", "message": ""}
            for key in ("train", "evaluate", "live")
        ),
    ]
    with sqlite3.connect(var_dir / "console.sqlite3") as db:
        db.execute(
            "INSERT INTO publishing_publishrun (id, username, message, kind, restore_of, state,"
            " steps, started, model_file, [commit]) VALUES (1, 'paakayttaja', 'Kokeilu',"
            " 'publish', '', 'failed', ?, '2026-11-30 08:00:00', '', '')",
            (json.dumps(steps),),
        )
    yield var_dir, url
    stop_process(process)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = headless_chromium(tmp_path_factory.mktemp("chromium"))
    yield driver
    driver.quit()


def log_in(browser, url: str, username: str, password: str) -> None:
    browser.get(f"{url}/kirjaudu/")
    browser.find_element(By.ID, "id_username").send_keys(username)
    browser.find_element(By.ID, "id_password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()


def check_page(browser, zoomed: bool) -> Dict[str, Any]:
    """What is wrong with the page in the browser now: axe's violations, and at 200 % the
    overflow."""
    problems: Dict[str, Any] = {}
    violations = axe_violations(browser)
    if violations:
        problems["axe"] = describe(violations)
    if zoomed:
        overflow = horizontal_overflow(browser)
        if overflow > 0:
            problems["overflow"] = f"{overflow} CSS px wider than the window"
    return problems


def test_every_console_page_passes_wcag_21_aa_and_reflows_at_200_percent(console, browser):
    var_dir, url = console
    paths, unfilled = pages_to_visit()
    assert not unfilled, (
        f"console pages with parameters that have no sample value: {unfilled}; "
        "add the parameter to SAMPLE_VALUES (or the address to NOT_PAGES with a reason)"
    )
    assert "/" in paths and "/saapuneet/" in paths and f"/aiheet/{TOPIC}/muokkaa/" in paths
    wait = WebDriverWait(browser, WAIT)
    problems: Dict[str, Any] = {}
    for width, zoomed in ((1280, False), (ZOOMED_WIDTH, True)):
        browser.delete_all_cookies()
        browser.set_window_size(width, 900)
        if zoomed:
            assert browser.execute_script("return window.innerWidth") <= ZOOMED_WIDTH
        # Before logging in: the log-in page, and the same with an error.
        browser.get(f"{url}/kirjaudu/")
        problems[f"{width} /kirjaudu/"] = check_page(browser, zoomed)
        log_in(browser, url, "ei-ketaan", "vaara-salasana")
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#login-errors"))
        problems[f"{width} /kirjaudu/ (error)"] = check_page(browser, zoomed)
        if not zoomed:
            screenshot(browser, "kirjaudu-virhe")
        password = (var_dir / "console-admin-password").read_text().strip()
        log_in(browser, url, "paakayttaja", password)
        wait.until(lambda d: "/kirjaudu/" not in d.current_url and loaded(d))
        session = requests.Session()
        for cookie in browser.get_cookies():
            session.cookies.set(cookie["name"], cookie["value"])
        for path in list(paths) + ["/ei-tallaista-sivua/"]:
            status = session.get(url + path, allow_redirects=False, timeout=30).status_code
            assert status != 405, (
                f"{path} takes POST only: list it in NOT_PAGES with the page that has its form"
            )
            browser.get(url + path)
            problems[f"{width} {path}"] = check_page(browser, zoomed)
            if not zoomed and status == 200 and path in paths:
                screenshot(browser, screenshot_name(paths[path]))
        # A page in its error state: the inbox when an addition is refused (masked name).
        browser.get(f"{url}/saapuneet/")
        browser.find_element(By.CSS_SELECTOR, "#viesti-2-1 form.inbox-add button").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "[aria-invalid=true]"))
        problems[f"{width} /saapuneet/ (error)"] = check_page(browser, zoomed)
        if not zoomed:
            screenshot(browser, "saapuneet-virhe", start="ryhma-2")
    failing = {page: found for page, found in problems.items() if found}
    assert not failing, "\n\n".join(
        f"{page}:\n" + "\n".join(f"  {kind}: {text}" for kind, text in found.items())
        for page, found in failing.items()
    )


def test_the_axe_check_finds_what_it_should(browser):
    """The check is not empty: a page without a language, with an unlabelled field and an
    image without a text alternative fails it, and one too wide for its window overflows."""
    browser.set_window_size(ZOOMED_WIDTH, 900)
    browser.get(
        "data:text/html;charset=utf-8,<title>x</title><main><img src='a.png'>"
        "<input type='text'><div style='width:2000px'>leveä</div></main>"
    )
    found = {v["id"] for v in axe_violations(browser)}
    assert {"html-has-lang", "image-alt", "label"} <= found, found
    assert horizontal_overflow(browser) > 1000
