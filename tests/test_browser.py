"""End-to-end: the real app (default embedder, copy of the real seeds) in a subprocess, driven by Chromium.

Needs Debian's Chromium at /usr/bin/chromium (`make browser-deps`): skipped with a reason locally without it, a
failure under CI (CI=true), where `make test` installs it.
Screenshots go to test-artifacts/ at the repo root.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCRIPT = "<script>window.__pwned=1</script>"
APP_WORK: dict[str, Path] = {}  # app URL -> its work folder (seeds, index, feedback log)
STARTUP_SECONDS = 180  # first start builds the index with the real model


def _missing(reason: str) -> None:
    """Skip locally; under CI a missing browser is a broken setup, not a reason to pass."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


try:
    from playwright import sync_api
except ImportError:  # pragma: no cover - depends on the environment
    _missing("playwright is not installed (pip install -e '.[dev]')")
expect = sync_api.expect
# What the page shows waits as long as the page's own actions (30 s), not Playwright's 5 s: in a fresh clone's full run
# on two busy cores, a second question's bubble once took longer than 5 s to appear (the next run passed).
expect.set_options(timeout=30_000)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, free_port_module) -> Iterator[str]:
    """`python app.py` on a free port, over a copy of seeds/ with its own index; yields the URL."""
    if not CHROMIUM.exists():
        _missing(f"Chromium not found at {CHROMIUM}; install it with `make browser-deps`")
    work = tmp_path_factory.mktemp("app")
    shutil.copytree(ROOT / "seeds", work / "seeds")
    (work / "none.toml").touch()  # an empty settings file keeps the project's rag.toml out (a named one must exist)
    env = {
        **os.environ,
        "RAG_SEEDS_DIR": str(work / "seeds"),
        "RAG_INDEX_DIR": str(work / "index"),
        "RAG_FEEDBACK_LOG": str(work / "feedback.jsonl"),
        "RAG_HOST": "127.0.0.1",
        "RAG_PORT": str(free_port_module),
        "RAG_CONFIG": str(work / "none.toml"),
        "RAG_AUTH": "",
        "RAG_LLM_BASE_URL": "",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    env.pop("RAG_EMBEDDER", None)  # the default (real) model
    log = (work / "app.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py")], cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{free_port_module}/"
    APP_WORK[url] = work
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if proc.poll() is not None:
                pytest.fail(f"app exited with {proc.returncode}:\n{(work / 'app.log').read_text()[-3000:]}")
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"app did not answer within {STARTUP_SECONDS} s:\n{(work / 'app.log').read_text()[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def free_port_module() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser(app_url):
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(app_url)
    expect(page.locator("#question textarea")).to_be_visible()
    expect(page.locator("#status")).to_contain_text("Articles")
    yield page
    context.close()


def ask(page, question: str) -> None:
    """Type a question, press Ask and wait until its answer (with its sources panel) is in."""
    before = page.locator("#chat [data-testid=bot]").count()
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    expect(page.locator("#chat [data-testid=bot]")).to_have_count(before + 1)
    # Done when neither "Searching…" nor the draft label of a streaming answer is left.
    expect(page.locator("#chat [data-testid=bot]").last.locator(".pending")).to_have_count(0)


def upload(page, path: Path) -> None:
    """Upload an article through the file input and wait until it is indexed."""
    page.locator("#add-article").click()
    page.locator("#upload input[type=file]").set_input_files(str(path))
    expect(page.locator("#upload-result")).to_contain_text(f"Added {path.name}", timeout=60_000)


def test_flagship_question_is_answered_with_citations_from_the_dutch_letters(page, artifacts_dir):
    ask(page, "Should we have a separate CX strategy?")
    answer = page.locator("#chat [data-testid=bot]").last
    expect(answer.locator("a.cite").first).to_be_visible()
    expect(answer).to_contain_text("CX-strategie")
    expect(page.locator("#sources details.source").first).to_be_visible()
    sources = page.locator("#sources").inner_text()
    text = answer.inner_text()
    for name in ("Jan-Hein Pierik", "Wim Rampen", "Rien Brus"):  # all three correspondents, each cited
        assert name in text and name in sources
    page.screenshot(path=str(artifacts_dir / "browser-answer.png"), full_page=True)


def test_a_citation_opens_the_highlighted_passage_with_author_title_and_file(page, artifacts_dir):
    ask(page, "Should we have a separate CX strategy?")
    page.locator("#chat [data-testid=bot] a.cite").first.click()
    opened = page.locator("#sources details.source[open]")
    expect(opened).to_have_count(1)
    expect(opened.locator("mark")).to_be_visible()
    quote = opened.locator("summary q").inner_text().strip("“”… ")
    assert quote[:30] in opened.locator("mark").inner_text()
    meta = opened.locator("dl.meta").inner_text()
    assert "Title" in meta and "Author" in meta and ".txt" in meta
    assert any(name in meta for name in ("Jan-Hein Pierik", "Wim Rampen", "Rien Brus"))
    opened.screenshot(path=str(artifacts_dir / "browser-citation.png"))
    page.screenshot(path=str(artifacts_dir / "browser-citation-page.png"))


def test_an_example_question_is_asked_with_one_click(page):
    page.locator("#examples").get_by_text("Wat zegt Rien Brus over een aparte CX-strategie?").click()
    expect(page.locator("#chat [data-testid=user]")).to_contain_text("Rien Brus")
    expect(page.locator("#sources")).to_contain_text("Rien Brus")


def test_an_uploaded_article_is_searchable_and_cited_at_once(page, tmp_path, artifacts_dir):
    article = tmp_path / "fietsenmaker_spaak.md"
    article.write_text(
        "Fietsenmaker Spaak en de wachtkamer\n\n"
        "Fietsenmaker Spaak in Zwolle geeft elke klant die langer dan een kwartier wacht een gratis bidon.\n"
        "Sinds de invoering van die bidonregel is het aantal klachten over wachttijden gehalveerd.\n",
        encoding="utf-8",
    )
    status_before = page.locator("#status").inner_text()
    upload(page, article)
    expect(page.locator("#status")).not_to_have_text(status_before)
    ask(page, "Wat geeft Fietsenmaker Spaak aan klanten die lang wachten?")
    expect(page.locator("#sources details.source summary").first).to_contain_text("Fietsenmaker Spaak en de wachtkamer")
    expect(page.locator("#sources details.source dl.meta").first).to_contain_text("fietsenmaker_spaak.md")
    expect(page.locator("#chat [data-testid=bot]").last).to_contain_text("bidon")
    page.screenshot(path=str(artifacts_dir / "browser-upload.png"), full_page=True)


def test_an_uploaded_two_page_pdf_is_cited_with_the_page_of_the_fact(page, tmp_path, artifacts_dir):
    from tests.filemakers import pdf_bytes

    report = tmp_path / "jaarverslag_tandem.pdf"
    report.write_bytes(
        pdf_bytes(
            [
                "Jaarverslag van fietsverhuur Tandem\n\nTandem verhuurt fietsen aan toeristen in Zeeland.\n"
                "In 2025 huurden ruim achtduizend klanten een fiets bij Tandem.",
                "Klantenservice van Tandem\n\nWie bij Tandem een lekke band meldt, krijgt binnen twintig minuten "
                "een vervangende fiets gebracht.\nDie belofte noemt Tandem de bandengarantie.",
            ],
            title="Jaarverslag Tandem",
            author="Sanne Visser",
        )
    )
    upload(page, report)
    ask(page, "Wat krijg je bij Tandem als je een lekke band meldt?")
    source = page.locator("#sources details.source").first
    expect(source.locator("summary")).to_contain_text("p. 2")  # on screen, before the source is opened
    expect(source.locator("summary q")).to_contain_text("vervangende fiets")
    expect(page.locator("#chat [data-testid=bot]").last).to_contain_text("vervangende fiets")
    source.locator("summary").click()
    expect(source.locator("dl.meta")).to_contain_text("jaarverslag_tandem.pdf, p. 2")
    expect(source.locator("dl.meta")).to_contain_text("Sanne Visser")
    page.screenshot(path=str(artifacts_dir / "browser-pdf-page.png"), full_page=True)


def test_markup_in_an_uploaded_article_is_shown_as_text_never_run(page, tmp_path, artifacts_dir):
    article = tmp_path / "kwibus.md"
    article.write_text(
        "Kwibus de wachtrij-robot\n\n"
        "De klantenservice van Zonnebloem Energie laat klanten terugbellen door de wachtrij-robot Kwibus.\n"
        f"{SCRIPT}\n"
        "Kwibus belt klanten binnen tien minuten terug.\n",
        encoding="utf-8",
    )
    upload(page, article)
    ask(page, "Wat doet de wachtrij-robot Kwibus van Zonnebloem Energie?")
    source = page.locator("#sources details.source").first
    expect(source.locator("dl.meta")).to_contain_text("kwibus.md")
    source.locator("summary").click()
    expect(source.locator(".passage")).to_contain_text(SCRIPT)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("#sources script, #chat script").count() == 0
    page.screenshot(path=str(artifacts_dir / "browser-script-as-text.png"), full_page=True)


def test_an_unanswerable_question_is_shown_as_an_abstention_with_related_passages(page, artifacts_dir):
    ask(page, "Wat is een goed recept voor erwtensoep?")
    answer = page.locator("#chat [data-testid=bot]").last
    expect(answer.locator(".abstained")).to_contain_text(re.compile("geen antwoord", re.IGNORECASE))
    assert answer.inner_text().lower().count("geen antwoord") == 1  # said once
    expect(answer.locator("ul.related li")).not_to_have_count(0)
    inside = page.evaluate(
        """() => {
          const bubble = [...document.querySelectorAll('#chat [data-testid=bot]')].pop().getBoundingClientRect();
          return [...document.querySelectorAll('#chat [data-testid=bot] ul.related li')].every((li) => {
            const r = li.getBoundingClientRect();
            return r.left >= bubble.left && r.right <= bubble.right && r.bottom <= bubble.bottom;
          });
        }"""
    )
    assert inside, "the related passages stick out of their bubble"
    expect(page.locator("#sources")).to_contain_text("Geen bronnen")
    answer.locator("ul.related a.cite").first.click()  # opens that related passage in the sources panel
    expect(page.locator("#sources details.related[open]")).to_have_count(1)
    page.screenshot(path=str(artifacts_dir / "browser-abstention.png"), full_page=True)


def test_re_uploading_an_indexed_article_names_the_file_it_duplicates(page, tmp_path, app_url):
    seeds = APP_WORK[app_url] / "seeds"
    original = sorted(seeds.glob("*.txt"))[0]
    copy = tmp_path / "mijn kopie.txt"
    copy.write_bytes(original.read_bytes())
    page.locator("#add-article").click()
    page.locator("#upload input[type=file]").set_input_files(str(copy))
    result = page.locator("#upload-result")
    expect(result).to_contain_text("Already indexed", timeout=60_000)
    expect(result).to_contain_text(original.name)
    assert "Added" not in result.inner_text()
    assert not (seeds / "mijn_kopie.txt").exists() and not (seeds / "mijn kopie.txt").exists()


def _visible_in_viewport(page, selector: str) -> bool:
    """True when the element's box lies inside the window and nothing covers its middle."""
    return page.evaluate(
        """(selector) => {
          const el = document.querySelector(selector);
          if (!el) return false;
          const r = el.getBoundingClientRect();
          if (!(r.width > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth)) return false;
          const first = el.getClientRects()[0];  // a quote over several lines: the middle of its first line
          const hit = document.elementFromPoint(first.left + first.width / 2, first.top + first.height / 2);
          return !!hit && (hit === el || el.contains(hit));
        }""",
        selector,
    )


@pytest.mark.parametrize(
    ("device", "viewport"), [("phone", {"width": 390, "height": 844}), ("desktop", {"width": 1400, "height": 1000})]
)
def test_a_citation_shows_its_highlighted_quote_on_screen_without_sideways_scrolling(
    browser, app_url, artifacts_dir, device, viewport
):
    phone = device == "phone"
    context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(app_url)
        expect(page.locator("#question textarea")).to_be_visible()
        expect(page.locator("#status")).to_contain_text("Articles")
        side = page.locator("#side")
        if phone:  # the sources wait in a closed sheet at the bottom, one tap away
            expect(page.locator("#sheet-toggle")).to_be_visible()
            assert side.bounding_box()["height"] <= 60
        else:
            expect(page.locator("#sheet-toggle")).to_be_hidden()
        ask(page, "Should we have a separate CX strategy?")
        # The question and the answer's first line stay on screen: the chat does not scroll to the answer's end.
        page.wait_for_timeout(300)
        question_on_screen = page.evaluate(
            """() => {
              const q = [...document.querySelectorAll("#chat [data-testid=user]")].pop();
              const r = q.getBoundingClientRect(), c = document.getElementById("chat").getBoundingClientRect();
              return r.top >= Math.max(0, c.top) - 1 && r.bottom <= Math.min(innerHeight, c.bottom) + 1;
            }"""
        )
        assert question_on_screen, "the question scrolled out of view"
        chat = page.locator("#chat").bounding_box()
        assert chat["y"] >= 0 and chat["y"] + chat["height"] <= viewport["height"], chat  # the chat fits the screen
        assert _visible_in_viewport(page, "#question textarea")  # not hidden behind the sheet's bar
        if phone:  # the question takes the screen's width, the buttons the line below (beside them it had 148 px)
            assert page.locator("#question textarea").bounding_box()["width"] >= 0.75 * viewport["width"]
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        page.screenshot(path=str(artifacts_dir / f"browser-{device}-answer.png"))

        # A second answer below the first leaves the chat scrolled up, so Gradio shows its "scroll down" button.
        ask(page, "Do the letter writers think a company needs its own CX plan?")
        page.wait_for_timeout(300)
        # With an answer above it, the new question moves to the top of the chat and its answer's first line is
        # read below it (before, the question stayed at the bottom, where it was asked, and the answer below it).
        shown = page.evaluate(
            """() => {
              const c = document.getElementById("chat").getBoundingClientRect();
              const q = [...document.querySelectorAll("#chat [data-testid=user]")].pop().getBoundingClientRect();
              const a = [...document.querySelectorAll("#chat [data-testid=bot]")].pop().getBoundingClientRect();
              return {question: q.top >= c.top - 1 && q.bottom <= c.bottom + 1, answer: a.top + 20 <= c.bottom};
            }"""
        )
        assert shown == {"question": True, "answer": True}, shown
        page.locator("#chat [data-testid=bot]").last.locator("a.cite").nth(1).click()  # [2]: the sheet scrolls to it
        expect(page.locator("#sources details.source[open]")).to_have_count(1)
        mark = "#sources details.source[open] mark"
        deadline = time.monotonic() + 5
        while not _visible_in_viewport(page, mark) and time.monotonic() < deadline:
            page.wait_for_timeout(100)  # the smooth scroll to the quote takes a moment
        assert _visible_in_viewport(page, mark), "the highlighted quote is not on screen"
        # ... and so is the line that says which source it is, when the quote is near the start of the passage
        page.wait_for_timeout(800)  # let the smooth scroll settle
        assert _visible_in_viewport(page, mark), "the highlighted quote scrolled away"
        covered = page.evaluate(
            """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
              const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
              return top && top.closest("#sources") ? null : (top ? top.outerHTML.slice(0, 120) : "nothing"); }""",
            mark,
        )
        assert covered is None, f"the highlighted quote is covered by {covered}"
        if phone:  # nothing of the chat floats over the open sheet (Gradio's "scroll down" button did)
            floating = page.evaluate(
                """() => [...document.querySelectorAll("#chat .scroll-down-button-container")].some((b) => {
                  const r = b.getBoundingClientRect(), side = document.getElementById("side").getBoundingClientRect();
                  if (!r.width || r.bottom < side.top) return false;
                  const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                  return top && b.contains(top); })"""
            )
            assert not floating, "the chat's scroll-down button covers the open sheet"
        summary = page.locator("#sources details.source[open] summary").bounding_box()
        quote = page.locator(mark).bounding_box()
        if quote["y"] + quote["height"] - summary["y"] < viewport["height"] / 2:
            assert _visible_in_viewport(page, "#sources details.source[open] summary .num"), "the source's header"
            if phone:  # ... below the sheet's sticky bar, not behind it
                card = page.locator("#sources details.source[open]").bounding_box()
                bar = page.locator("#sheet-bar").bounding_box()
                assert card["y"] >= bar["y"] + bar["height"] - 1, (card, bar)
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        page.screenshot(path=str(artifacts_dir / f"browser-{device}-citation.png"))
        if phone:  # the bar closes the sheet again, back to the chat
            page.locator("#sheet-toggle").click()
            page.wait_for_function("document.getElementById('side').getBoundingClientRect().height <= 60")
            # ... and so does a tap above it, on the chat: the sheet covers the question box
            page.locator("#chat [data-testid=bot]").last.locator("a.cite").first.click()
            page.wait_for_function("document.getElementById('side').getBoundingClientRect().height > 60")
            page.locator("#intro").click()
            page.wait_for_function("document.getElementById('side').getBoundingClientRect().height <= 60")
            assert _visible_in_viewport(page, "#question textarea")
        # The next question's sources are shown from their header, not where the citation had scrolled the panel;
        # on a phone the sheet's bar names them in the answer's language.
        if phone:
            expect(page.locator("#sheet-toggle")).to_have_text("Sources")
        ask(page, "Waarom heeft CX financiële ruimte nodig?")
        if phone:
            expect(page.locator("#sheet-toggle")).to_have_text("Bronnen")
            page.locator("#sheet-toggle").click()
            page.wait_for_timeout(500)
        header = page.evaluate(
            """() => { const h = document.querySelector("#sources h3"), r = h.getBoundingClientRect();
              let top = 0, bottom = innerHeight;  // the window, cut by every scrolling box the header is in
              for (let n = h.parentElement; n; n = n.parentElement) {
                if (!/(auto|scroll)/.test(getComputedStyle(n).overflowY)) continue;
                const b = n.getBoundingClientRect();
                top = Math.max(top, b.top); bottom = Math.min(bottom, b.bottom);
              }
              return r.top >= top - 1 && r.bottom <= bottom + 1; }"""
        )
        assert header, "the sources panel of the new answer is scrolled past its header"
    finally:
        context.close()


def test_a_follow_up_uses_the_conversation_and_clear_forgets_it(page):
    ask(page, "Should we have a separate CX strategy?")
    ask(page, "What does Wim say?")
    answer = page.locator("#chat [data-testid=bot]").last
    expect(answer).to_contain_text("Wim Rampen writes")
    assert "Rien Brus" not in answer.inner_text()
    # One way to clear: Gradio's own trash icon in the chat's corner is hidden (on a phone it sat on the question).
    expect(page.locator('#chat button[aria-label="Clear"]')).to_be_hidden()
    page.locator("#clear").click()
    expect(page.locator("#chat [data-testid=bot]")).to_have_count(0)
    expect(page.locator("#sources")).to_contain_text("Sources of the answer appear here")


def test_a_thumbs_vote_is_saved_with_the_question_and_its_citations(page, app_url):
    ask(page, "Why does CX need financial room?")
    page.locator("#chat [data-testid=bot]").last.hover()
    page.locator("#chat").get_by_role("button", name=re.compile(r"^(like|thumbs? ?up)$", re.IGNORECASE)).last.click()
    expect(page.get_by_text("your vote was saved")).to_be_visible()
    votes = [json.loads(line) for line in (APP_WORK[app_url] / "feedback.jsonl").read_text().splitlines()]
    assert votes[-1]["vote"] == "up" and votes[-1]["question"] == "Why does CX need financial room?"
    assert votes[-1]["citations"]
