"""The widget in a real browser (Debian's Chromium driven by Playwright) against the session's
real website, Rasa server (trained model) and action server.

Screenshots go to tests/artifacts/ (git-ignored), with the axe-core results."""

from __future__ import annotations

import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.knowledge import store
from bot.website import feedback
from bot.website.sessions import sender_of
from tests.integration.browser import ARTIFACTS, Watched, expect, new_watched, run_axe
from tests.integration.conftest import free_port, serve, website_env

ANSWER_TIMEOUT_MS = 90_000
SESSION_KEY = "boussole-export:session"
# The deepest focused element, through the widget's shadow root.
FOCUSED = """sel => { let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) { a = a.shadowRoot.activeElement; }
  return !!a && a.matches(sel); }"""
# Matched in the browser, by JavaScript, whose \w knows no accent (« décembre »).
VERIFIED = re.compile(r"Sources? vérifiées? le \d{1,2}(er)? [a-zéû]+ \d{4} :")
ROOT_JS = "document.querySelector('#boussole-export-widget').shadowRoot"


@pytest.fixture
def make_page(browser):
    contexts = []

    def make(**options) -> Watched:
        watched = new_watched(browser, **options)
        contexts.append(watched.context)
        return watched

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(make_page):
    watched = make_page()
    yield watched.page
    assert watched.problems == []


def static_site(port: int, html: str) -> ThreadingHTTPServer:
    """A partner's page on another origin, served on loopback."""
    body = html.encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


PARTNER_PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>CCI de démonstration</title></head><body><h1>CCI de démonstration : vos premiers pas à l'export</h1>
<p>Page d'un partenaire qui embarque l'assistant.</p>
<script src="{server}/widget.js" data-server="{server}" data-title="{title}" data-open="true" defer></script>
</body></html>"""


@pytest.fixture(scope="module")
def partner_sites(website, partner_origin):
    """The allowed partner (in the website's CORS list) and one that is not listed."""
    listed = static_site(
        int(partner_origin.rsplit(":", 1)[1]),
        PARTNER_PAGE.format(server=website.url, title="Assistant export de la CCI"),
    )
    unlisted_port = free_port()
    unlisted = static_site(unlisted_port, PARTNER_PAGE.format(server=website.url, title="Site non autorisé"))
    yield partner_origin, f"http://127.0.0.1:{unlisted_port}"
    for server in (listed, unlisted):
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def strict_website(rasa_server, action_server, kb_db_url, runtime_dir):
    """A second website on the same Rasa, allowing one message a minute per conversation."""
    yield from serve(
        "web-strict",
        [sys.executable, "-m", "bot", "web", "--port", "{port}"],
        website_env(rasa_server, action_server, kb_db_url, BOUSSOLE_RATE_LIMIT_SESSION="1"),
        runtime_dir,
        "/healthz",
        timeout=60,
    )


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def open_widget(page, accept_privacy=True):
    page.locator(".bw-launcher").click()
    expect(page.locator(".bw-panel")).to_be_visible()
    if accept_privacy:
        page.get_by_role("button", name="J'ai compris").click()


def bot_count(page) -> int:
    return page.locator(".bw-msg.bw-bot").count()


def wait_for_answer(page, before: int) -> None:
    page.wait_for_function(
        f"n => {ROOT_JS}.querySelectorAll('.bw-msg.bw-bot').length > n && !{ROOT_JS}.querySelector('.bw-typing')",
        arg=before,
        timeout=ANSWER_TIMEOUT_MS,
    )


def ask(page, text: str) -> None:
    before = bot_count(page)
    page.locator("#bw-input").fill(text)
    page.locator("#bw-input").press("Enter")
    wait_for_answer(page, before)


def user_texts(page) -> list:
    return page.locator(".bw-msg.bw-user .bw-bubble").all_inner_texts()


def press_until_focused(page, selector: str, key: str = "Tab", limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate(FOCUSED, selector):
            return
    pytest.fail(f"{selector} n'a jamais reçu le focus au clavier ({key} × {limit}).")


def assert_focus_visible(page) -> None:
    style = page.evaluate("""() => { let a = document.activeElement;
      while (a && a.shadowRoot && a.shadowRoot.activeElement) { a = a.shadowRoot.activeElement; }
      const s = getComputedStyle(a); return [s.outlineStyle, parseFloat(s.outlineWidth)]; }""")
    assert style[0] != "none" and style[1] >= 2, style


def session_of(page) -> str:
    return page.evaluate(f"localStorage.getItem('{SESSION_KEY}')")


def test_question_quick_reply_feedback_and_history(website, kb, kb_db_url, page):
    page.goto(website.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Boussole Export")
    expect(page.locator("main")).to_contain_text("cite sa source")
    open_widget(page, accept_privacy=False)
    notice = page.locator(".bw-privacy")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("effacer")
    page.get_by_role("button", name="J'ai compris").click()
    expect(notice).to_be_hidden()
    expect(page.locator("#bw-input")).to_be_focused()

    ask(page, "Quelles aides existent pour exporter ?")
    answer = page.locator(".bw-msg.bw-bot").last
    expect(answer.locator(".bw-bubble")).to_contain_text(kb.get("programme", "assurance-prospection")["name"])
    expect(answer.locator(".bw-bubble")).not_to_contain_text("vérifié le")
    expect(answer.locator(".bw-sources")).to_contain_text(VERIFIED)
    links = answer.locator(".bw-sources a")
    assert links.count() >= 1
    for index in range(links.count()):
        link = links.nth(index)
        assert link.get_attribute("href").startswith(("https://", "http://"))
        assert link.get_attribute("target") == "_blank"
        assert "noopener" in link.get_attribute("rel")
    screenshot(page, "widget-reponse-et-sources.png")

    choice = answer.locator(".bw-choice").first
    title = choice.inner_text()
    before = bot_count(page)
    choice.click()
    wait_for_answer(page, before)
    assert user_texts(page) == ["Quelles aides existent pour exporter ?", title]
    expect(page.locator(".bw-msg.bw-bot").last.locator(".bw-bubble")).to_contain_text(title)

    judged = page.locator(".bw-msg.bw-bot").last
    judged.get_by_role("button", name="Réponse pas utile").click()
    judged.get_by_label("Un commentaire ? (facultatif)").fill("Il manque le montant maximal.")
    judged.get_by_role("button", name="Envoyer mon avis").click()
    expect(judged.locator(".bw-feedback-status")).to_have_text("Merci pour votre avis.")
    session = session_of(page)
    engine = store.make_engine(kb_db_url)
    try:
        rows = [r for r in feedback.read_all(engine) if r["conversation_id"] == sender_of(session)]
    finally:
        engine.dispose()
    assert len(rows) == 1
    assert (rows[0]["rating"], rows[0]["comment"], rows[0]["question_text"]) == (
        "down",
        "Il manque le montant maximal.",
        title,
    )
    assert title in rows[0]["answer_text"] and "vérifié le" in rows[0]["answer_text"]

    answers = bot_count(page)
    page.reload()
    expect(page.locator(".bw-panel")).to_be_visible()
    # The local greeting is not part of the conversation: the history has one answer less.
    page.wait_for_function(f"n => {ROOT_JS}.querySelectorAll('.bw-msg.bw-bot').length >= n", arg=answers - 1)
    assert user_texts(page) == ["Quelles aides existent pour exporter ?", title]
    assert bot_count(page) == answers - 1
    expect(page.locator(".bw-msg.bw-bot").last.locator(".bw-sources")).to_contain_text(VERIFIED)
    screenshot(page, "widget-historique-apres-rechargement.png")

    page.get_by_role("button", name="Nouvelle conversation").click()
    assert user_texts(page) == []
    assert session_of(page) != session
    page.reload()
    expect(page.locator(".bw-panel")).to_be_visible()
    expect(page.locator(".bw-msg.bw-bot")).to_have_count(1)  # the greeting only
    assert user_texts(page) == []


def test_keyboard_only_conversation(website, page):
    page.goto(website.url + "/")
    press_until_focused(page, ".bw-launcher")
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUSED, ".bw-privacy button")
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUSED, "#bw-input")
    assert_focus_visible(page)

    before = bot_count(page)
    page.keyboard.type("C'est quoi le V.I.E ?")
    page.keyboard.press("Enter")
    wait_for_answer(page, before)
    expect(page.locator(".bw-msg.bw-bot").last.locator(".bw-sources")).to_contain_text(VERIFIED)

    press_until_focused(page, ".bw-log > .bw-msg:last-child .bw-choice", key="Shift+Tab")
    assert_focus_visible(page)
    before = bot_count(page)
    page.keyboard.press("Enter")
    wait_for_answer(page, before)

    press_until_focused(page, ".bw-log > .bw-msg:last-child .bw-rate[aria-label='Réponse utile']")
    page.keyboard.press("Space")
    assert page.evaluate(FOCUSED, ".bw-feedback-form textarea")
    page.keyboard.type("Clair et précis.")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED, ".bw-feedback-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(".bw-msg.bw-bot").last.locator(".bw-feedback-status")).to_have_text("Merci pour votre avis.")

    page.keyboard.press("Escape")
    expect(page.locator(".bw-panel")).to_be_hidden()
    assert page.evaluate(FOCUSED, ".bw-launcher")


def test_all_the_sources_of_the_financing_overview_open_from_the_keyboard(website, kb, page):
    """The overview lists three sources under its answer; every programme's source is behind
    « Toutes les sources (N) », closed at first, opened with the keyboard."""
    page.goto(website.url + "/")
    open_widget(page)
    ask(page, "Quels financements pour exporter ?")
    sources = page.locator(".bw-msg.bw-bot").last.locator(".bw-sources")
    expect(sources).to_contain_text(VERIFIED)
    disclosure = sources.locator("details.bw-all-sources")
    expect(disclosure).to_have_count(1)
    summary = disclosure.locator("summary")
    total = int(re.fullmatch(r"Toutes les sources \((\d+)\)", summary.inner_text()).group(1))
    listed = sources.locator(":scope > ul a")
    assert listed.count() == 3 and total > 3
    assert not disclosure.evaluate("d => d.open")
    expect(disclosure.locator("ul a").first).to_be_hidden()

    press_until_focused(page, ".bw-log > .bw-msg:last-child .bw-all-sources summary", key="Shift+Tab")
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    assert disclosure.evaluate("d => d.open")
    every = disclosure.locator("ul a")
    expect(every).to_have_count(total)
    expect(every.first).to_be_visible()
    hrefs = [every.nth(i).get_attribute("href") for i in range(total)]
    assert hrefs[:3] == [listed.nth(i).get_attribute("href") for i in range(3)]
    for pid in ("assurance-prospection", "credit-export"):
        assert any(s["url"] in hrefs for s in kb.get("programme", pid)["sources"]), pid
    screenshot(page, "widget-toutes-les-sources.png")
    page.keyboard.press("Enter")
    assert not disclosure.evaluate("d => d.open")


def test_markup_in_a_message_is_shown_as_text(website, page):
    page.goto(website.url + "/")
    open_widget(page)
    hostile = "<img src=x onerror=\"window.__pirate='img'\"> <script>window.__pirate='script'</script> bonjour"
    ask(page, hostile)
    assert user_texts(page) == [hostile]
    assert page.evaluate(f"{ROOT_JS}.querySelectorAll('.bw-log img, .bw-log script').length") == 0
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert page.evaluate("window.__pirate === undefined")


def test_partner_site_embeds_the_widget_through_cors(website, partner_sites, make_page):
    listed, unlisted = partner_sites
    watched = make_page()
    partner = watched.page
    partner.goto(listed + "/")
    expect(partner.locator(".bw-panel")).to_be_visible()  # data-open="true"
    expect(partner.locator(".bw-title")).to_have_text("Assistant export de la CCI")
    partner.get_by_role("button", name="J'ai compris").click()
    ask(partner, "C'est quoi le carnet ATA ?")
    expect(partner.locator(".bw-msg.bw-bot").last.locator(".bw-sources")).to_contain_text(VERIFIED)
    screenshot(partner, "widget-site-partenaire.png")
    assert watched.problems == []

    other = make_page().page
    other.goto(unlisted + "/")
    expect(other.locator(".bw-panel")).to_be_visible()
    other.get_by_role("button", name="J'ai compris").click()
    other.locator("#bw-input").fill("C'est quoi le carnet ATA ?")
    other.locator("#bw-input").press("Enter")
    expect(other.locator(".bw-alert")).to_contain_text("Impossible de joindre l'assistant", timeout=ANSWER_TIMEOUT_MS)


def test_unreachable_and_slow_server_then_retry(website, page):
    page.goto(website.url + "/")
    open_widget(page)
    question = "C'est quoi le carnet ATA ?"
    page.route("**/api/chat", lambda route: route.abort("connectionrefused"))
    page.locator("#bw-input").fill(question)
    page.locator("#bw-input").press("Enter")
    alert = page.locator(".bw-alert")
    expect(alert).to_contain_text("Impossible de joindre l'assistant")
    expect(page.locator("#bw-input")).to_have_value(question)
    assert user_texts(page) == []
    screenshot(page, "widget-serveur-injoignable.png")

    page.unroute("**/api/chat")
    held = []
    page.route("**/api/chat", lambda route: held.append(route))
    before = bot_count(page)
    alert.get_by_role("button", name="Réessayer").click()
    expect(page.locator(".bw-status")).to_contain_text("La réponse tarde", timeout=20_000)
    held[0].continue_()
    page.unroute("**/api/chat")
    wait_for_answer(page, before)
    expect(alert).to_be_hidden()
    expect(page.locator("#bw-input")).to_have_value("")
    assert user_texts(page) == [question]
    expect(page.locator(".bw-msg.bw-bot").last.locator(".bw-sources")).to_contain_text(VERIFIED)


def test_length_and_rate_limits_are_shown(strict_website, page):
    page.goto(strict_website.url + "/")
    open_widget(page)
    too_long = "Bonjour " + "x" * 2100
    page.locator("#bw-input").fill(too_long)
    page.locator("#bw-input").press("Enter")
    alert = page.locator(".bw-alert")
    expect(alert).to_contain_text("Votre message est trop long")
    expect(page.locator("#bw-input")).to_have_value(too_long)

    ask(page, "C'est quoi le V.I.E ?")
    page.locator("#bw-input").fill("Et c'est pour qui ?")
    page.locator("#bw-input").press("Enter")
    expect(alert).to_contain_text("patientez")
    expect(alert.get_by_role("button", name="Réessayer")).to_be_visible()
    expect(page.locator("#bw-input")).to_have_value("Et c'est pour qui ?")
    screenshot(page, "widget-trop-de-messages.png")


def test_accessibility_audit_with_axe(website, make_page):
    # The page's CSP rightly refuses injected scripts: the audit's context bypasses it.
    page = make_page(bypass_csp=True).page
    page.goto(website.url + "/")
    open_widget(page)
    ask(page, "Quelles aides existent pour exporter ?")
    answer = page.locator(".bw-msg.bw-bot").last
    answer.get_by_role("button", name="Réponse utile").click()
    page.get_by_role("button", name="Vos données").click()
    answer.locator(".bw-all-sources summary").click()
    for part in (".bw-privacy", ".bw-feedback-form", ".bw-choice", ".bw-sources", ".bw-all-sources ul"):
        expect(page.locator(part).first).to_be_visible()
    report = {"desktop": run_axe(page)}
    screenshot(page, "widget-audit-bureau.png")

    page.set_viewport_size({"width": 390, "height": 844})
    box = page.locator(".bw-panel").bounding_box()
    assert box["width"] == 390 and box["height"] == 844, box
    report["mobile"] = run_axe(page)
    screenshot(page, "widget-audit-mobile.png")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "axe-results.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    blocking = [v for layout in report.values() for v in layout if v["impact"] in ("serious", "critical")]
    assert blocking == [], json.dumps(blocking, ensure_ascii=False, indent=2)


PHONE = {"width": 375, "height": 667}
PRIVACY_KEY = "boussole-export:privacy-seen"


def shown_in_log(page, selector: str) -> dict:
    """How much of the element is visible inside the conversation's scrolling box, and
    whether the page itself scrolled: nothing here scrolls on the person's behalf."""
    return page.evaluate(
        f"""sel => {{
      const root = {ROOT_JS};
      const log = root.querySelector('.bw-log').getBoundingClientRect();
      const box = root.querySelector(sel).getBoundingClientRect();
      const top = Math.max(box.top, log.top), bottom = Math.min(box.bottom, log.bottom);
      return {{visible: Math.max(0, bottom - top), height: box.height, top: box.top - log.top,
               logHeight: log.height, pageScroll: window.scrollY}};
    }}""",
        selector,
    )


def test_privacy_notice_on_a_phone_leaves_the_first_answer_in_view(website, make_page):
    watched = make_page(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
    page = watched.page
    page.goto(website.url + "/")
    page.locator(".bw-launcher").click()
    panel, notice = page.locator(".bw-panel"), page.locator(".bw-privacy")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("faire effacer vos données")
    panel_box = panel.bounding_box()
    assert (panel_box["width"], panel_box["height"]) == (375, 667), panel_box
    # Unread, the notice stays well short of half the panel.
    assert notice.bounding_box()["height"] < 0.35 * panel_box["height"], notice.bounding_box()
    screenshot(page, "widget-telephone-notice.png")

    # Writing while the notice is shown reads it: it shrinks to the footer's line.
    ask(page, "Quelles aides existent pour exporter ?")
    expect(notice).to_be_hidden()
    assert page.evaluate(f"localStorage.getItem('{PRIVACY_KEY}')") == "1"
    footer = page.locator(".bw-footer")
    expect(footer).to_be_visible()
    assert footer.bounding_box()["height"] < 30, footer.bounding_box()
    # The log holds the greeting, the question, then the answer: its start is in view, and
    # at least 250 px of it (or all of it) can be read without scrolling.
    answer = shown_in_log(page, ".bw-log > .bw-msg:nth-child(3) .bw-bubble")
    assert answer["pageScroll"] == 0, answer
    assert answer["top"] >= 0 and answer["visible"] >= min(answer["height"], 250), answer
    assert answer["logHeight"] >= 0.5 * panel_box["height"], answer
    screenshot(page, "widget-telephone-premiere-reponse.png")

    # The number shown is the conversation's, and quoting it is how to have it erased.
    page.get_by_role("button", name="Vos données").click()
    expect(notice).to_be_visible()
    expect(notice.locator(".bw-number")).to_have_text(session_of(page))
    report = run_axe(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "axe-results-telephone.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    blocking = [v for v in report if v["impact"] in ("serious", "critical")]
    assert blocking == [], json.dumps(blocking, ensure_ascii=False, indent=2)
    page.get_by_role("button", name="J'ai compris").click()
    expect(notice).to_be_hidden()

    # Read once, it stays a single line on later visits.
    page.reload()
    expect(panel).to_be_visible()
    expect(notice).to_be_hidden()
    expect(page.locator(".bw-footer")).to_contain_text("Vos données")
    assert watched.problems == []
