"""The browser app: a thin Gradio shell over rag.service.Assistant. No retrieval, answering or prompts here.

Start it with `rag serve`, `make run` or `python app.py` (http://127.0.0.1:7860 on the bundled corpus).
The handlers live on `ChatUI` as plain methods, so tests call them without a browser.
"""

import html
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home: the app talks to 127.0.0.1 only

import gradio as gr  # noqa: E402

from rag.corpus import save_upload  # noqa: E402
from rag.errors import IndexMissingError, InputError, RagError  # noqa: E402
from rag.extract import SUFFIX_LIST, SUFFIXES  # noqa: E402
from rag.feedback import append_feedback, feedback_from_answer  # noqa: E402
from rag.ports import check_port  # noqa: E402
from rag.progress import embedding_bar  # noqa: E402
from rag.render import (  # noqa: E402
    CSS,
    SHEET_BAR,
    SOURCES_PLACEHOLDER,
    answer_html,
    duplicate_html,
    pending_html,
    question_html,
    sources_html,
    status_html,
    upload_html,
)
from rag.sentences import guess_language  # noqa: E402
from rag.service import Assistant, validate_question  # noqa: E402
from rag.settings import Settings, load_settings  # noqa: E402
from rag.types import Answer  # noqa: E402

log = logging.getLogger("app")

EXAMPLES = [
    "Should we have a separate CX strategy?",
    "Wat zegt Rien Brus over een aparte CX-strategie?",
    "Why does CX need financial room?",
    "Hoe vorm je een klantgerichte cultuur?",
]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}

# Clicking [n] in an answer opens source n in the panel. The chat's select event first switches the panel to
# that answer's sources, so wait briefly for the element to appear. On a phone the panel is a sheet at the bottom
# of the screen (see CSS in rag/render.py): the bar opens and closes it, and [n] opens it at the quote.
JS = """
() => {
  const sheet = (open) => {
    const side = document.getElementById("side");
    const bar = document.getElementById("sheet-toggle");
    if (side) side.classList.toggle("open", open);
    if (bar) bar.setAttribute("aria-expanded", String(open));
  };
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") sheet(false);
  });
  document.addEventListener("click", (event) => {
    if (!event.target.closest) return;
    if (event.target.closest("#sheet-toggle")) {
      sheet(!document.getElementById("side").classList.contains("open"));
      return;
    }
    const link = event.target.closest("a.cite, a[href^='#src-'], a[href^='#rel-']");
    // On a phone the open sheet covers the question box: a tap above it (on the chat) closes it, as a sheet does.
    const side = document.getElementById("side");
    if (!link && side && side.classList.contains("open") && !event.target.closest("#side")) sheet(false);
    if (!link) return;
    event.preventDefault();
    const id = (link.getAttribute("href") || "").slice(1);
    sheet(true);
    let tries = 0;
    const open = () => {
      const el = document.getElementById(id);
      if (!el) { if (tries++ < 40) setTimeout(open, 100); return; }
      el.open = true;
      // The source's header first (which [n] this is), then the quote, if it is not on screen already.
      el.scrollIntoView({block: "start"});
      // On a phone the sheet's sticky bar covers its top: the header goes just below the bar, not behind it.
      const bar = document.getElementById("sheet-bar"), side = document.getElementById("side");
      if (bar && side && bar.offsetParent !== null) {
        const hidden = bar.getBoundingClientRect().bottom + 4 - el.getBoundingClientRect().top;
        if (hidden > 0) side.scrollTop -= hidden;
      }
      const mark = el.querySelector("mark");
      if (mark) mark.scrollIntoView({block: "nearest", behavior: "smooth"});
      el.classList.add("flash");
      setTimeout(() => el.classList.remove("flash"), 1500);
    };
    open();
  }, true);
  // A new question is scrolled to the top of the chat, and its answer is read from its first line down (the
  // chat does not follow the streamed text to its end: on a phone that hid the question and the answer's start).
  const scroller = (el, chat) => {  // the chat's own scrolling box: the page itself does not move
    for (let n = el.parentElement; n && chat.contains(n); n = n.parentElement) {
      if (/(auto|scroll)/.test(getComputedStyle(n).overflowY)) return n;
    }
    return null;
  };
  // A question just asked sits at the chat's bottom, with nothing below it to scroll over: it is moved up as its
  // answer arrives, until it reaches the top or the reader scrolls.
  let asked = 0, rising = false;
  // The sources panel keeps where a citation scrolled it; a new answer's sources are read from their header. The
  // panel is moved when they arrive (their ids name the answer), not when the question is asked: until then the
  // reader may still be reading the previous answer's passage.
  let shownSources = null;  // the first source id shown when the question was asked; null: nothing awaited
  const firstSource = () => {
    const el = document.querySelector("#sources details[id]");
    return el ? el.id : "";
  };
  const sourcesToTop = () => {
    const side = document.getElementById("side");
    if (!side) return;
    for (const el of [side, ...side.querySelectorAll("*")]) if (el.scrollTop) el.scrollTop = 0;
  };
  new MutationObserver(() => {  // on the page, not on #chat: it still works if the chat is rendered anew
    const chat = document.getElementById("chat");
    if (!chat) return;
    const questions = chat.querySelectorAll("[data-testid=user]");
    if (questions.length > asked) shownSources = firstSource();
    if (shownSources !== null && firstSource() !== shownSources) {
      shownSources = null;
      sourcesToTop();
    }
    // The phone's sheet bar names the panel in the answer's language ("Bronnen" under a Dutch answer).
    const label = document.querySelector("#sources [data-label]"), toggle = document.getElementById("sheet-toggle");
    if (label && toggle && toggle.textContent !== label.dataset.label) toggle.textContent = label.dataset.label;
    rising = rising || questions.length > asked;
    asked = questions.length;
    const question = questions[questions.length - 1];
    const box = question && rising ? scroller(question, chat) : null;
    if (!box) return;
    const below = question.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
    const before = box.scrollTop;
    box.scrollTop += below;
    rising = below > 1 && box.scrollTop - before < below - 1;  // not at the top yet: more of the answer is to come
  }).observe(document.body, {childList: true, subtree: true});
  for (const kind of ["wheel", "touchmove", "keydown"]) {  // the reader scrolls (or types): leave the chat to them
    document.addEventListener(kind, () => { rising = false; }, {passive: true, capture: true});
  }
}
"""


def _error(exc: RagError) -> gr.Error:
    # gr.Error renders its message as HTML; ours may quote file names or questions.
    return gr.Error(html.escape(str(exc)), print_exception=False)


def _index(index: int | tuple | list) -> int:
    return int(index[0]) if isinstance(index, list | tuple) else int(index)


class ChatUI:
    """The app's event handlers over one shared Assistant; the per-browser state is passed in and out.

    `answers` (a gr.State) maps the chat index of each assistant message to its Answer: the sources panel,
    the votes and the conversation memory all read it.
    """

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.settings = assistant.settings
        self._upload_lock = threading.Lock()  # one upload + reindex at a time

    def check(self, message: str) -> None:
        """Refuse an empty or oversized question, or an unusable index, before the chat changes.

        A separate step because Gradio 6 covers a Chatbot with an "Error" overlay when an event that writes
        to it fails; failing here shows only the message."""
        try:
            validate_question(message, self.settings.max_question_chars)
            self.assistant.index()
        except RagError as exc:
            raise _error(exc) from None

    def respond(self, message: str, history: list[dict], answers: dict[int, Answer]) -> Iterator[tuple]:
        """Stream the answer to `message` into the chat; earlier questions of this chat are passed as history.

        Yields (textbox, chat, answers, sources panel)."""
        try:
            question = validate_question(message, self.settings.max_question_chars)
        except RagError as exc:
            raise _error(exc) from None
        before = list(history or [])
        key = len(before) + 1  # chat index of the assistant message
        chat = [
            *before,
            {"role": "user", "content": question_html(question)},
            {"role": "assistant", "content": pending_html()},
        ]
        yield "", chat, answers, gr.skip()
        previous = [answers[i].question for i in sorted(answers)]
        lang = guess_language(question)  # for the "draft" label while the answer streams
        try:
            for event in self.assistant.ask_stream(question, history=previous):
                if isinstance(event, Answer):
                    answers = {**answers, key: event}
                    chat = [*chat[:-1], {"role": "assistant", "content": answer_html(event, str(key))}]
                    yield "", chat, answers, self.sources(event, key)
                else:
                    chat = [*chat[:-1], {"role": "assistant", "content": pending_html(event, lang)}]
                    yield "", chat, answers, gr.skip()
        except RagError as exc:
            yield message, before, answers, gr.skip()  # put the conversation and the question back
            raise _error(exc) from None

    def sources(self, answer: Answer, key: int) -> str:
        """The sources panel for one answer, with each cited document's indexed text for context."""
        texts = {}
        for doc in {c.doc for c in answer.citations} | {p.chunk.doc for p in answer.passages}:
            try:
                texts[doc] = self.assistant.document(doc).text
            except RagError:
                log.warning("cannot read %s to show its context", doc)
        return sources_html(answer, texts, str(key))

    def show_sources(self, answers: dict[int, Answer], evt: gr.SelectData) -> str:
        """Clicking a message shows the sources of that answer (or of the answer to that question)."""
        index = _index(evt.index)
        key = index if index in answers else index + 1
        return self.sources(answers[key], key) if key in answers else gr.skip()

    def vote(self, answers: dict[int, Answer], data: gr.LikeData) -> None:
        """Append a thumbs up/down on an answer to the feedback log."""
        answer = answers.get(_index(data.index))
        if answer is None:
            return
        vote = "up" if data.liked is True else "down" if data.liked is False else str(data.liked)
        append_feedback(self.settings.feedback_path, feedback_from_answer(answer, vote))
        gr.Info("Thanks, your vote was saved.")

    def add_article(self, file: str | None, progress: Callable = gr.Progress()) -> tuple:  # noqa: B008
        """Save an uploaded article in the seeds dir and update the index; returns (message, status, file)."""
        if not file:
            return gr.skip(), gr.skip(), gr.skip()

        def embedded(done: int, total: int) -> None:
            progress((done, total), desc="Embedding passages", unit="passages")

        name, data = Path(file).name, Path(file).read_bytes()
        try:
            with self._upload_lock:
                copy = self.assistant.indexed_copy(name, data)
                if copy:  # saving it would only add a duplicate that the indexer skips
                    return duplicate_html(name, *copy), gr.skip(), None
                progress(0, desc="Saving the article")
                saved = save_upload(self.settings.seeds_dir, name, data, self.settings.max_upload_bytes)
                progress(0, desc="Updating the index")
                report = self.assistant.reindex(progress=embedded)
        except RagError as exc:
            raise _error(exc) from None
        return upload_html(saved, report), self.status(), None

    def ask_api(self, question: str, history: list[str] | None = None) -> dict:
        """Answer `question` with citations; `history` is the conversation's earlier questions, oldest first.

        Returns the `rag ask --json` object: answer, abstained, citations (file, offsets, quote), passages, …
        """
        if history is not None and not (isinstance(history, list) and all(isinstance(h, str) for h in history)):
            raise _error(InputError("history must be a list of the conversation's earlier questions (strings)."))
        try:
            return self.assistant.ask(question, history=history or []).to_json()
        except RagError as exc:
            raise _error(exc) from None

    def status(self) -> str:
        """The index status line."""
        return status_html(self.assistant.status())

    def clear(self) -> tuple:
        """Empty chat, no memory, empty sources panel."""
        return [], {}, SOURCES_PLACEHOLDER


def build_app(assistant: Assistant) -> gr.Blocks:
    """The Blocks UI wired to a ChatUI; call .queue() and .launch() on it (see serve)."""
    ui, limit = ChatUI(assistant), assistant.settings.concurrency
    with gr.Blocks(title="Ask the CX articles") as demo:
        gr.Markdown(
            "## Ask the CX articles\nAnswers quote Dutch customer-experience articles; every quote carries "
            "a numbered citation. Click **[n]** or a source to read the passage in its context.",
            elem_id="intro",
        )
        answers = gr.State({})
        with gr.Row(elem_id="main"):
            with gr.Column(scale=3, elem_id="chat-col"):
                chatbot = gr.Chatbot(
                    label="Conversation",
                    show_label=False,  # a floating label badge covers the text once the chat scrolls
                    elem_id="chat",
                    height=540,
                    render_markdown=False,
                    sanitize_html=True,
                    allow_tags=False,
                    buttons=[],
                    placeholder="Ask a question in English or Dutch.",
                    autoscroll=False,  # the page's script shows each new question at the top instead (JS above)
                )
                with gr.Row(elem_id="ask-row"):
                    box = gr.Textbox(
                        show_label=False,
                        placeholder="Your question…",
                        elem_id="question",
                        scale=6,
                        max_lines=4,
                        autofocus=True,
                    )
                    ask = gr.Button("Ask", variant="primary", elem_id="ask", scale=1, min_width=80)
                    clear = gr.Button("Clear", elem_id="clear", scale=1, min_width=80)
                examples = gr.Dataset(
                    components=[box], samples=[[q] for q in EXAMPLES], label="Example questions", elem_id="examples"
                )
            with gr.Column(scale=2, elem_id="side"):
                # Shown only on a phone, where this column is a sheet over the bottom of the screen.
                gr.HTML(SHEET_BAR, elem_id="sheet-bar")
                # Status and uploads first: the sources panel below grows with every answer.
                status = gr.HTML(elem_id="status")
                with gr.Accordion("Add article", open=False, elem_id="add-article"):
                    upload = gr.File(
                        label=f"Upload an article: {SUFFIX_LIST} (max {assistant.settings.max_upload_bytes:,} bytes)",
                        file_types=list(SUFFIXES),
                        elem_id="upload",
                    )
                    upload_msg = gr.HTML(elem_id="upload-result", min_height=48)
                sources = gr.HTML(SOURCES_PLACEHOLDER, elem_id="sources", max_height=720)

        # Check first (errors become a toast), then answer; the chat shows its own "Searching…" line, so no
        # progress overlay on it. `limit` questions are answered at once, not one after another.
        # The page's own handlers are private: scripts see one endpoint, /ask, which returns JSON, not HTML.
        hidden = {"api_visibility": "private"}
        check = {
            "fn": ui.check,
            "inputs": box,
            "outputs": None,
            "concurrency_limit": None,
            "show_progress": "hidden",
            **hidden,
        }
        chat_io = {
            **hidden,
            "fn": ui.respond,
            "inputs": [box, chatbot, answers],
            "outputs": [box, chatbot, answers, sources],
            "concurrency_limit": limit,
            "concurrency_id": "chat",
            "show_progress": "hidden",
        }
        box.submit(**check).success(**chat_io)
        ask.click(**check).success(**chat_io)
        examples.click(lambda sample: sample[0], examples, box, queue=False, **hidden).then(**check).success(**chat_io)
        chatbot.select(ui.show_sources, answers, sources, concurrency_limit=limit, show_progress="hidden", **hidden)
        chatbot.like(ui.vote, answers, None, concurrency_limit=limit, **hidden)
        clear.click(ui.clear, None, [chatbot, answers, sources], queue=False, show_progress="hidden", **hidden)
        upload.upload(
            ui.add_article,
            upload,
            [upload_msg, status, upload],
            concurrency_limit=1,
            show_progress_on=upload_msg,
            **hidden,
        )
        demo.load(ui.status, None, status, **hidden)
        gr.api(ui.ask_api, api_name="ask", concurrency_limit=limit, concurrency_id="chat")
    return demo


def parse_auth(auth: str) -> tuple[str, str] | None:
    """'user:password' -> (user, password); empty -> None."""
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise InputError("RAG_AUTH must look like 'user:password' (both non-empty).")
    return user, password


def serve(settings: Settings) -> None:
    """Build the index if missing, then serve the app on settings.host:settings.port until interrupted."""
    auth = parse_auth(settings.auth)
    check_port(settings.host, settings.port)  # one clear line now rather than Gradio's traceback after the build
    if settings.host not in LOOPBACK and auth is None:
        log.warning(
            "Serving on %s without a password: anyone who can reach this machine can ask questions and "
            "upload articles. Set RAG_AUTH=user:password to require a login.",
            settings.host,
        )
    assistant = Assistant(settings)
    status = assistant.status()
    if status["last_indexed"] is None and not status["error"]:  # an unreadable index: ensure_index says what to do
        print(f"No index yet: building it from {settings.seeds_dir} (first start only)…", file=sys.stderr)
    with embedding_bar() as progress:
        report = assistant.ensure_index(rebuild_stale=True, progress=progress)
    if report:
        print(f"Built the index: {report.summary()}", file=sys.stderr)
    try:
        assistant.load()  # the index, the model and the word lists now, not on the first question
        assistant.search("klantbeleving")  # ... and one query through them
    except IndexMissingError as exc:  # an empty seeds folder: the app still serves, to upload an article
        print(f"note: {exc}", file=sys.stderr)
    demo = build_app(assistant)
    # Gradio runs one event at a time by default; let `concurrency` users ask at once (the Assistant is
    # thread-safe for reading) and give the worker pool room for them.
    demo.queue(default_concurrency_limit=settings.concurrency)
    theme = gr.themes.Soft(font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
    try:
        demo.launch(
            server_name=settings.host,
            server_port=settings.port,
            auth=auth,
            max_threads=max(40, 2 * settings.concurrency),
            max_file_size=4 * settings.max_upload_bytes,
            theme=theme,
            css=CSS,
            js=JS,
            footer_links=[],
            show_error=False,
            quiet=True,  # Gradio's own lines include "set `share=True` in `launch()`", which a CLI user cannot do
            prevent_thread_lock=True,
        )
    except OSError:  # taken since the check above; Gradio's own advice (GRADIO_SERVER_PORT) has no effect here
        raise InputError(
            f"Port {settings.port} on {settings.host} is already in use. Stop the program using it, or pick another "
            "port with --port or RAG_PORT."
        ) from None
    # An address a browser can open: a server on every interface (0.0.0.0, ::) answers on this machine's loopback.
    shown = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    print(f"Serving on http://{shown}:{settings.port} (Ctrl-C stops it).", flush=True)
    server = getattr(demo, "server", None)
    try:  # not demo.block_thread(), which swallows Ctrl-C: the CLI says `interrupted` and exits 130
        while demo.is_running and (server is None or server.thread.is_alive()):
            time.sleep(0.2)
    finally:
        demo.close(verbose=False)


def main() -> int:
    """`python app.py`: settings from rag.toml / RAG_* env vars."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    for noisy in ("faiss", "faiss.loader", "bm25s", "httpx", "httpx2", "openai"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("psycopg.pool").setLevel(logging.ERROR)  # a replica down is logged once by rag.stores
    for chatty in ("trafilatura", "htmldate", "pypdf"):  # they log what a skip reason already says
        logging.getLogger(chatty).setLevel(logging.ERROR)
    try:
        serve(load_settings())
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
