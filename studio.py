"""Streamlit pieces of the studio's pages: the one model, cached renders, and the result
view (score, player, downloads, a link to share, how surprising each note was).

UI glue only (every computation lives in the `melody` package); app.py and pages/ import it.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import html
import json
import logging

import streamlit as st

from melody.core.errors import UserError
from melody.core.melody import Melody
from melody.core.pitch import note_name
from melody.core.safe_text import shown
from melody.generate.surprise import note_surprise
from melody.net.folder import default_model_folder, load_model_folder
from melody.output import abc, engrave, files, handout, midi, sound
from melody.output.qr import LinkTooLong, qr_svg
from melody.songs.traditions import model_folder
from melody.studio import budget
from melody.studio import click as making
from melody.studio import plain_words as plain
from melody.studio import recipe as share
from melody.studio.numbers import MelodyBook
from melody.studio.session import KEY, Result, StudioSession
from melody.studio.warmup import warm_up

_LOG = logging.getLogger("folk_melody_studio")
INSTRUMENTS = midi.INSTRUMENTS  # the studio's menu: name -> General MIDI program
SEED_SCORE = {"width": 1400, "scale": 35}


@st.cache_resource(show_spinner="Loading the model (once for everybody)...")
def shared_model(folder: str):
    """The model, loaded once and shared by all sessions (read-only after loading), with
    the request path warmed up so that the first Generate is as fast as the next."""
    loaded = load_model_folder(folder)
    warm_up(loaded)
    return loaded


@st.cache_resource(show_spinner=False)
def shared_harmony(folder: str):
    """The chord model, loaded once for all sessions (NumPy, a few hundred kB)."""
    from melody.chords import model as harmony

    return harmony.load(folder)


@st.cache_data(show_spinner=False, max_entries=64)
def with_chords(melody: Melody) -> Melody:
    """``melody`` with chords chosen by the shipped chord model (`harmony.harmonize`)."""
    from melody.chords import model as harmony

    return harmony.harmonize(melody, shared_harmony(str(harmony.DEFAULT_FOLDER)))


@st.cache_resource(show_spinner=False)
def shared_book() -> MelodyBook:
    """The studio's book of melody numbers (`melody.studio.numbers`), one for all sessions."""
    return MelodyBook()


@st.cache_resource(show_spinner=False)
def shared_ahead() -> making.Ahead:
    """The one background thread that makes each session's next melody (`melody.studio.click`)."""
    return making.Ahead()


def session() -> StudioSession:
    """This browser session's `StudioSession` (made on its first page)."""
    if KEY not in st.session_state:
        st.session_state[KEY] = StudioSession()
    return st.session_state[KEY]


def session_alive():
    """A function that says whether this browser session is still connected (the made-ahead
    worker skips, or stops, the work of a session that has gone)."""
    from streamlit.runtime import get_instance
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None:  # not under a server (e.g. AppTest): nobody leaves
        return "test", lambda: True
    runtime, session = get_instance(), ctx.session_id
    return session, lambda: runtime.is_active_session(session)


def make_ahead(loaded, seed: Melody | None, recipe: share.Recipe) -> None:
    """Have the next melody for the settings on the page made while this one plays (once
    per settings: a change of settings asks again), but only once a result is on the page."""
    from melody.chords import model as harmony

    wanted, state = dataclasses.replace(recipe, number=None), session()
    if seed is None or state.result is None or (state.ahead and state.ahead[0] == wanted):
        return
    if recipe.temperature == 0:
        return  # "Safest" makes the same melody each click: the one on the page
    visitor, alive = session_alive()
    if state.ahead:
        shared_ahead().forget(visitor)  # settings changed: its melody will not be asked for
    state.ahead = None
    try:
        chord_model = shared_harmony(str(harmony.DEFAULT_FOLDER)) if recipe.chords else None
    except UserError:
        return  # the click will say why there are no chords
    program = INSTRUMENTS.get(recipe.instrument, 0)
    numbered = dataclasses.replace(recipe, number=shared_book().new_number())
    ahead = shared_ahead().start(visitor, loaded, seed, numbered, program, chord_model, score_width(), alive)
    if ahead is not None:
        state.ahead = (wanted, ahead)


def made_ahead(recipe: share.Recipe) -> making.Made | None:
    """The melody made ahead for these settings (taken: the next is made after this run)."""
    state = session()
    wanted, future = state.ahead or (None, None)
    state.ahead = None
    return making.Ahead.take(future, wanted, recipe)


def model_or_stop(style: str = ""):
    """The shipped model (the one that serves ``style``), or an error on the page (with how to
    get one) and a stop."""
    try:
        return shared_model(str(model_folder(style) if style else default_model_folder()))
    except UserError as error:
        st.error(shown(error, 600))
        st.stop()


def score_width() -> int:
    """Verovio's page width for this visitor's scores: narrow (two or three bars a line) for
    a phone, as its browser says ("Mobi" in the User-Agent, as MDN advises), wide otherwise.
    One score is engraved and sent, not one for each kind of screen: a second score cost
    a third of a four-variation click in the browser (1.51 against 1.01 s)."""
    agent = st.context.headers.get("User-Agent", "") if st.context.headers else ""
    return engrave.PHONE_SCORE_WIDTH if "Mobi" in agent else engrave.SCORE_WIDTH


@st.cache_data(show_spinner=False, max_entries=64)
def score_svg(melody: Melody, width: int) -> str:
    return engrave.to_svg(melody, width=width)


def score_ui(svg: str, name: str) -> None:
    """A score as an <img> (verovio's <defs>/<use> survive), as wide as its column."""
    with st.container(key=f"score-{name}"):
        st.image(svg, width="stretch")


@st.cache_data(show_spinner=False, max_entries=64)
def seed_svg(seed: Melody) -> str:
    """The seed as a small score, drawn as people type."""
    return engrave.to_svg(seed, **SEED_SCORE, header=False)  # no title: the box above names it


@st.cache_data(show_spinner=False, max_entries=16)
def heard_wav(melody: Melody, program: int) -> bytes:
    """The notes heard in a recording, played at its tempo ("Hear what I heard")."""
    return sound.to_wav_bytes(melody, program)


def renders(result: Result, melody: Melody, program: int, width: int) -> files.Renders:
    """Sound, score (``width`` wide) and MusicXML of one melody of the result, made once and
    kept with the result in this session (one copy: the next result replaces it; a global
    cache of WAVs held up to 64 of them and handed every hit a deserialised copy). The
    page renders variations one at a time and shows each as soon as it is made: the sound
    comes from the one FluidSynth in this process, so threads would only wait for each other."""
    if (melody, program) not in result.views:
        sound_s = result.plan.sound_s if result.plan else None
        result.views[melody, program] = files.render_all(melody, program, width, sound_s)
    return result.views[melody, program]


@st.cache_data(show_spinner=False, max_entries=64)
def surprise_rows(_loaded, melody: Melody, naming: str = "english") -> list[dict]:
    """One row per note: where it sounds (in beats), its pitch and name, its surprise in bits
    and the chance the model gave it."""
    return [
        {
            "beat": e.start / 4,
            "end": (e.start + e.length) / 4,
            "pitch": e.pitch,
            "top": e.pitch + 1,
            "name": note_name(e.pitch, melody.key, naming),
            "bits": round(bits, 2),
            "chance": plain.chance(bits),
            "note": i + 1,
        }
        for i, (e, bits) in enumerate(note_surprise(_loaded, melody, whole_song=True))  # songs of N bars
    ]


def charts_ui(rows: list[dict], key: str, naming: str = "english") -> None:
    """Piano roll coloured by surprise, and how surprising each note was, as a strip of bars."""
    # the axis names notes as note_name does (in the studio's note names): one name per pitch class
    names = json.dumps([note_name(60 + pc, key, naming)[:-1] for pc in range(12)])
    note_axis = {"labelExpr": f"{names}[datum.value % 12] + (floor(datum.value / 12) - 1)", "tickMinStep": 1}
    colour = {"field": "bits", "type": "quantitative", "scale": {"scheme": "orangered"}, "title": "surprise"}
    tooltip = [{"field": "note", "title": "note no."}, {"field": "name", "title": "note"}, {"field": "chance"}]
    roll = {
        "mark": {"type": "rect", "stroke": "white", "strokeWidth": 0.5},
        "encoding": {
            "x": {"field": "beat", "type": "quantitative", "title": "beat"},
            "x2": {"field": "end"},
            "y": {
                "field": "pitch",
                "type": "quantitative",
                "scale": {"zero": False},
                "title": "note",
                "axis": note_axis,
            },
            "y2": {"field": "top"},
            "color": colour,
            "tooltip": tooltip,
        },
        "height": 160,
    }
    strip = {
        "mark": "bar",
        "encoding": {
            "x": {
                "field": "note",
                "type": "ordinal",
                "title": "notes in order",
                "axis": {"labelOverlap": True, "labelAngle": 0},
            },
            "y": {"field": "bits", "type": "quantitative", "title": "surprise"},
            "color": colour,
            "tooltip": tooltip,
        },
        "height": 150,
    }
    st.vega_lite_chart(rows, roll, width="stretch")  # rows become the chart's table
    st.vega_lite_chart(rows, strip, width="stretch")
    st.caption(plain.SURPRISE_SENTENCE + " Tap or hover over a note to see the chance the model gave it.")


def copy_link_ui(recipe: share.Recipe) -> None:
    """A "Copy link" button: the studio's address with this melody's settings (no network)."""
    query = json.dumps("?" + share.share_link("", recipe).split("?", 1)[1])
    st.iframe(
        f"""<button id="copy" style="font: 14px sans-serif; padding: 6px 12px; border-radius: 8px;
        border: 1px solid #bbb; background: white; cursor: pointer">Copy link</button>
        <span id="done" style="font: 13px sans-serif; color: #2e7d32"></span>
        <script>
        document.getElementById("copy").onclick = async () => {{
          const here = window.parent.location, url = here.origin + here.pathname + {query};
          try {{ await navigator.clipboard.writeText(url); }} catch (error) {{
            const box = document.createElement("textarea"); box.value = url; document.body.appendChild(box);
            box.select(); document.execCommand("copy"); box.remove(); }}
          document.getElementById("done").textContent = " Copied: open it anywhere for this melody";
        }};
        </script>""",
        height=42,
    )


def studio_link(recipe: share.Recipe) -> str:
    """This melody's link on the address the visitor's browser uses (a test: localhost)."""
    return share.share_link(st.context.url or "http://localhost:8501/", recipe)


def melody_ui(loaded, index: int, melody: Melody, out: files.Renders, program: int, recipe: share.Recipe) -> None:
    """One melody: player, the Present button, score, downloads (named by its title; a PDF
    handout with its link), notes and surprise."""
    play, present = st.columns([3, 1], vertical_alignment="center")
    play.audio(out.wav, format="audio/wav")
    present.button(
        "Present",
        key=f"present{index}",
        icon=":material/co_present:",
        on_click=lambda: setattr(session(), "presenting", index),
        help="The score as wide as the screen, notes lighting up as they play, and a code a class can scan.",
        width="stretch",
    )
    score_ui(out.svg, str(index))
    row = st.container(horizontal=True, gap="small", key=f"downloads-{index}")  # wraps as it needs
    downloads = (
        ("MIDI", lambda: midi.to_midi_bytes(melody, program), ".mid", "audio/midi"),
        ("MusicXML", lambda: out.musicxml, ".musicxml", "application/vnd.recordare.musicxml+xml"),
        ("WAV", lambda: out.wav, ".wav", "audio/wav"),
        ("PDF", lambda: handout_pdf(melody, recipe), ".pdf", "application/pdf"),
        ("ABC", lambda: abc.to_abc(melody, recipe.number or 1).encode(), ".abc", "text/vnd.abc"),
    )
    no_pdf = handout.unavailable()
    for label, data, suffix, mime in downloads:
        if suffix == ".pdf" and no_pdf:
            row.caption(f"No PDF here: {no_pdf}")
            continue
        # the bytes are made or handed over on a click only (not stored and hashed with every
        # result), and a download does not run the page again
        row.download_button(
            f"⬇ {label}",
            data,
            files.download_name(melody, None, suffix),  # its title, as on the score and the tab: #48213-2
            mime,
            key=f"{label}{index}",
            on_click="ignore",
        )
    # measured on request only: the model reads the whole melody again (a second or so on 2 busy cores)
    if st.toggle("Show how surprising each note was", key=f"surprise-{index}"):
        with errors_shown(f"measuring the surprise of melody {index + 1}"):
            charts_ui(surprise_rows(loaded, melody, recipe.names), melody.key, recipe.names)
    with st.expander("The notes"):
        st.write(plain.notes_in_words(melody, 400, recipe.names))
        if melody.chords:
            st.write("Chords, bar by bar: " + plain.chords_in_words(melody))
        st.caption("As the model writes them, one symbol per 16th note (a MIDI number starts a note, 60 = C4):")
        st.text(" ".join(melody.steps))  # plain text: a code block loads a highlighter into the page


def result_ui(loaded, result: Result | None, now: share.Recipe) -> None:
    """The melodies of the last Generate, marked out of date when the controls changed since."""
    if not result:
        st.info("Pick a seed and click **Generate**: the model writes a new song from it, a different one each click.")
        return
    recipe, melodies = result.recipe, result.melodies
    plan = result.plan or budget.Plan(recipe)
    if not (plan.asked or recipe).same_melody_settings(now):
        st.warning("Settings changed since this melody was made: click **Generate** for a new melody.", icon="⚠️")
    for note in plan.notes:
        st.info(note, icon="ℹ️")  # the project's own words, with its numbers
    if recipe.temperature == 0:
        st.info(plain.safest_note(recipe.number), icon="ℹ️")
    shown = {field: getattr(now, field) for field in share.PRESENTATION}
    if any(getattr(recipe, field) != value for field, value in shown.items()):
        # key, tempo, instrument and chords act at once on this melody, and the link says so
        recipe = result.recipe = dataclasses.replace(recipe, **shown)
        st.query_params.from_dict(share.to_query(recipe))
    first = making.placed(melodies[0], recipe)
    bars = f"{recipe.bars} bars"
    title, link = st.columns([3, 1], vertical_alignment="bottom")
    form = f" · form {first.form}" if first.form else ""
    title.markdown(
        f"**Folk melody #{recipe.number}** · {first.key} · {first.meter} · {bars}{form} · {first.tempo:g} bpm"
    )
    with link:
        copy_link_ui(recipe)
    st.caption(f"melody #{recipe.number}: type this number under “Bring back a melody” (sidebar) to hear it again.")
    alive = session_alive()[1]
    with errors_shown("drawing the melodies"):
        many = len(melodies) > 1
        places = st.tabs([f"#{m.title.rsplit('#', 1)[-1]}" for m in melodies]) if many else [st.container()]
        for index, (place, melody) in enumerate(zip(places, melodies, strict=True)):
            with place:  # drawn before the next variation is rendered: the first one plays at once
                melody = as_heard(melody, recipe)
                if not alive():
                    st.stop()  # the visitor has gone: the other variations are not rendered
                program = INSTRUMENTS.get(recipe.instrument, 0)
                out = renders(result, melody, program, score_width())
                melody_ui(loaded, index, melody, out, program, recipe)
        program = INSTRUMENTS.get(recipe.instrument, 0)
        shown_now = {(as_heard(m, recipe), program) for m in melodies}
        for old in set(result.views) - shown_now:  # e.g. before the Chords switch or another key
            del result.views[old]
    if sound.synthesizer() != "fluidsynth":
        st.caption("Sound: pretty_midi's simple synthesis (FluidSynth with a General MIDI SoundFont is not installed).")


def handout_pdf(melody: Melody, recipe: share.Recipe) -> bytes:
    """The one-page handout of a melody on the page (made on the click: ~1 s)."""
    return handout.to_pdf_bytes(melody, recipe.number, studio_link(recipe))


@st.cache_data(show_spinner=False, max_entries=16)
def present_score(melody: Melody, width: int) -> engrave.TimedScore:
    return engrave.timed_score(melody, width)


PRESENT_STYLE = """<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"] {
  display: none !important; }
[data-testid="stMainBlockContainer"] { padding: 1rem 2rem !important; max-width: 100% !important; }
.present-head { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem 2.5rem;
  justify-content: space-between; }
.present-head h1 { font-size: clamp(1.6rem, 4vw, 3.2rem) !important; margin: 0; padding: 0; line-height: 1.15; }
.present-head p { font-size: clamp(1.05rem, 2vw, 1.7rem); margin: .3rem 0 .8rem; color: #333; }
.present-qr { display: flex; align-items: center; gap: .8rem; }
.present-qr img { width: clamp(120px, 14vw, 230px); height: auto; image-rendering: pixelated; }
.present-qr span { font-size: clamp(.95rem, 1.3vw, 1.3rem); max-width: 11em; }
#present-play { font-size: clamp(1.2rem, 2.2vw, 1.8rem); padding: .35em 1.2em; border-radius: .5em;
  border: none; background: #ff4b4b; color: white; cursor: pointer; white-space: nowrap; }
#present-score > svg { width: 100%; height: auto; display: block; }
#present-score .lit, #present-score .lit * { fill: #e8590c !important; stroke: #e8590c !important; }
.st-key-present-audio { display: none; }
@media (max-width: 700px) { [data-testid="stMainBlockContainer"] { padding: .6rem .5rem !important; } }
</style>"""

PRESENT_SCRIPT = """<script>
(() => {
  const box = document.getElementById("present-score");
  if (!box) return;
  // the score is put in by script: the page's HTML sanitizer drops inline SVG
  const bytes = Uint8Array.from(atob(box.dataset.svg), c => c.charCodeAt(0));
  box.innerHTML = new TextDecoder().decode(bytes);
  const times = JSON.parse(box.dataset.times), quarterS = 60 / Number(box.dataset.tempo);
  const audio = () => document.querySelector(".st-key-present-audio audio");
  const play = document.getElementById("present-play");
  play.onclick = () => { const a = audio(); if (a) { a.paused ? a.play() : a.pause(); } };
  let lit = "";
  const tick = () => {
    if (!box.isConnected) return;  // the view has gone
    const a = audio();
    if (a) {
      play.textContent = a.paused ? "▶ Play" : "❚❚ Pause";
      const q = a.currentTime / quarterS, playing = !a.paused || a.currentTime > 0;
      const now = playing ? times.filter(t => t[1] <= q && q < t[2]).map(t => t[0]) : [];
      if (now.join(" ") !== lit) {
        box.querySelectorAll(".lit").forEach(e => e.classList.remove("lit"));
        now.forEach(id => document.getElementById(id)?.classList.add("lit"));
        lit = now.join(" ");
        box.dataset.lit = lit;
        const first = now.length && document.getElementById(now[0]);
        if (first) first.scrollIntoView({block: "nearest", behavior: "smooth"});
      }
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  if (!window.folkPresentKeys) {
    window.folkPresentKeys = true;
    document.addEventListener("keydown", e => {
      if (e.key === "Escape") document.querySelector(".st-key-present-back button")?.click();
    });
  }
})();
</script>"""


def present_ui(result: Result) -> None:
    """The projector view of one melody of the result: its title line large, a play button,
    the score as wide as the screen with each note lit while it sounds (verovio's timemap
    against the audio's clock), and a QR code of its link. Escape or the button returns."""
    recipe, index = result.recipe, session().presenting or 0
    melody = as_heard(result.melodies[min(index, len(result.melodies) - 1)], recipe)
    program = INSTRUMENTS.get(recipe.instrument, 0)
    phone = score_width() == engrave.PHONE_SCORE_WIDTH
    timed = present_score(melody, engrave.PHONE_SCORE_WIDTH if phone else engrave.PRESENT_SCORE_WIDTH)
    out = renders(result, melody, program, score_width())
    st.html(PRESENT_STYLE)
    st.button(
        "Back to the studio (Esc)",
        key="present-back",
        icon=":material/arrow_back:",
        on_click=lambda: setattr(session(), "presenting", None),
    )
    link = studio_link(recipe)
    try:
        code = base64.b64encode(qr_svg(link).encode()).decode()
        scan = (
            f'<div class="present-qr"><img alt="QR code of this melody\'s link" src="data:image/svg+xml;base64,{code}">'
            "<span>Scan to open this melody on your phone</span></div>"
        )
    except LinkTooLong:
        scan = "<div class='present-qr'><span>Type the melody number in the studio to open it</span></div>"
    form = f" · form {melody.form}" if melody.form else ""
    line = f"{melody.key} · {melody.meter} · {recipe.bars} bars{form} · {melody.tempo:g} bpm · {recipe.instrument}"
    st.html(
        f'<div class="present-head"><div><h1>{html.escape(melody.title)}</h1><p>{html.escape(line)}</p>'
        f'<button id="present-play" type="button">▶ Play</button></div>{scan}</div>'
    )
    with st.container(key="present-audio"):
        st.audio(out.wav, format="audio/wav")
    times = html.escape(json.dumps([[note, start, end] for note, start, end in timed.times]))
    st.html(
        f'<div id="present-score" data-tempo="{melody.tempo:g}" data-times="{times}" data-lit="" '
        f'data-svg="{base64.b64encode(engrave.scalable(timed.svg).encode()).decode()}"></div>{PRESENT_SCRIPT}',
        unsafe_allow_javascript=True,
    )


def as_heard(melody: Melody, recipe: share.Recipe) -> Melody:
    """A melody of the result as the page plays and shows it: in the recipe's key and tempo
    (`making.placed`), with chords when the switch is on (as `making.heard`, the chords cached)."""
    melody = making.placed(melody, recipe)
    return chords_or_none(melody) if recipe.chords else melody


def chords_or_none(melody: Melody) -> Melody:
    """``melody`` with its chords; without them (and a warning) if the chord model is missing."""
    try:
        return with_chords(melody)
    except UserError as error:
        st.warning(f"No chords this time: {shown(error)}", icon="⚠️")
        return melody


@contextlib.contextmanager
def errors_shown(doing: str):
    """Run a piece of a page; an error in it becomes one ``st.error`` (never a traceback).

    The project's own errors already say what is wrong and what would work; anything
    else is a bug: logged with its traceback on the server, and the person is told what
    failed and what to try. ``st.stop()`` and reruns pass through (they are not errors).
    Nothing is stored, so the error goes with the run that raised it.
    """
    try:
        yield
    except UserError as error:
        st.error(shown(error, 600))
    except Exception as error:  # noqa: BLE001  (the page must never show a traceback)
        _LOG.exception("error while %s", doing)
        st.error(
            f"Something went wrong while {doing} ({type(error).__name__}). Try other settings or another seed; "
            "if it happens again, the server's log has the details for a bug report."
        )
