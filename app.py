"""Folk Melody Studio: pick or type a seed, choose a length and how adventurous, click
Generate: a new folk melody each click, seen, heard and shareable by its link.

UI only: every computation lives in the `melody` package. Run with `make app`. This file
is the entry point: it names the pages (Studio, How it works, The model) and draws the
studio; the result view and the shared model live in studio.py.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import streamlit as st

from melody.core.errors import UserError
from melody.core.melody import Melody, bar_steps
from melody.core.pitch import all_keys
from melody.core.safe_text import clean, shown
from melody.generate.forms import FORMS
from melody.generate.generator import BARS_RANGE, check_seed
from melody.generate.seed_key import KeyChoice, find_seed_key
from melody.generate.sung_seed import seed_from_singing
from melody.songs.corpus import SONG_SUFFIXES, SongSkipped, song_from_upload, upload_problem
from melody.songs.lines import Reading
from melody.songs.recording import AUDIO_SUFFIXES, read_recording
from melody.songs.traditions import TRADITIONS
from melody.songs.typed import ALLOWED, parse_seed, read_typed_seed, renamed, seed_text
from melody.studio import budget
from melody.studio import click as making
from melody.studio import plain_words as plain
from melody.studio import recipe as share
from melody.studio.controls import FIND_KEY, SEED_KEY, recipe_from, studio_recipe, widget_values
from melody.studio.numbers import unknown_number
from melody.studio.ready_seeds import first_song, ready_seeds, ready_seeds_for
from melody.studio.session import Result
from melody.studio.singing import after_recording, heard_in_words
from melody.studio.uploads import after_upload
from studio import (
    INSTRUMENTS,
    errors_shown,
    heard_wav,
    made_ahead,
    make_ahead,
    model_or_stop,
    present_ui,
    result_ui,
    seed_svg,
    session,
    shared_book,
)

METERS = share.METERS
DEFAULT_READY, TYPED, UPLOAD, SUNG = "thirds", "typed", "upload", "sung"  # menu values besides the ready seeds' ids
STYLE = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.2rem; }
/* browser zoom (150%, 200%) narrows the controls: the seed's meter, pickup and key wrap as whole boxes */
.st-key-seed-shape [data-testid="stHorizontalBlock"] { flex-wrap: wrap; }
.st-key-seed-shape [data-testid="stColumn"] { min-width: 4.5rem; }
.st-key-result { scroll-margin-top: 4rem; }  /* scrolled to on a phone: its heading clears the top bar */
@media (max-width: 700px) {
  .st-key-seed-score { display: none; }
  h1 { font-size: 2rem !important; }
  .st-key-seed-shape [data-testid="stHorizontalBlock"], .st-key-length-form [data-testid="stHorizontalBlock"] {
    flex-wrap: nowrap !important; gap: 0.5rem; }
  .st-key-seed-shape [data-testid="stColumn"], .st-key-length-form [data-testid="stColumn"] {
    min-width: 0 !important; flex: 1 1 0 !important; }
  /* the seed's key gets a row of its own ("From the notes" was cut off); the seed in words
     (and the relative key) give their room to it: Generate stays on the first screen */
  .st-key-seed-shape [data-testid="stHorizontalBlock"] { flex-wrap: wrap !important; }
  .st-key-seed-shape [data-testid="stColumn"]:nth-child(3) { flex: 1 1 100% !important; }
  .st-key-seed-words, .st-key-seed-origin { display: none; }
  /* the Style buttons say what they are; where the songs come from waits for a wider screen */
  .st-key-style-origin [data-testid="stCaptionContainer"] {
    display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
}
</style>"""


# a phone stacks the result under the controls (~1,000 px down): a new melody scrolls into view
# (the number makes each result's script new, so that it runs again)
SCROLL_TO_RESULT = """<script>/* melody NUMBER */ (() => {
  if (window.innerWidth > 700) return;
  const result = document.querySelector(".st-key-result");
  if (result) result.scrollIntoView({behavior: "smooth", block: "start"});
})();</script>"""


def menu() -> dict[str, str]:
    """The "Start from" menu: what it shows -> the seed's id (a ready seed, typed, a file)."""
    names = {seed.name: seed_id for seed_id, seed in ready_seeds_for(st.session_state["style"]).items()}
    names["Your own notes (type them below)"] = TYPED
    if session().upload:
        names[f"Your file: {clean(session().upload[0], 60)}"] = UPLOAD
    if session().take:
        names["Your singing"] = SUNG
    return names


def menu_entry(choice: str) -> str:
    """What the menu shows for a seed id."""
    return next(name for name, seed_id in menu().items() if seed_id == choice)


def chosen() -> str:
    """The id of the seed chosen in the menu."""
    return menu().get(st.session_state["ready"], TYPED)


def defaults() -> dict:
    """Every studio widget's first value (kept in Session State, so a link can set them):
    the default ready seed, and the studio's recipe through the one widget <-> recipe table."""
    seed = ready_seeds()[DEFAULT_READY].melody
    recipe = studio_recipe(share.Recipe(seed=seed_text(seed), meter=seed.meter, pickup=seed.pickup))
    return {"ready": ready_seeds()[DEFAULT_READY].name, "seed:text": seed_text(seed), **widget_values(recipe)}


def put_seed(melody: Melody, find_key: bool) -> None:
    """Fill the seed box, meter, pickup and key of the seed from a ready seed or a file."""
    st.session_state.update(
        {
            "seed:text": seed_text(melody, st.session_state["names"]),
            "meter": melody.meter,  # ready seeds and accepted uploads are in one of METERS
            "pickup": melody.pickup,
            "seed_key": FIND_KEY if find_key else melody.key,
        }
    )


def style_changed() -> None:
    """A new tradition: its first real song becomes the seed (with its meter and pickup), and
    the tempo, instrument, form and length its tunes usually have are set (each can be changed
    after): an Irish jig in 6/8 on a violin, AABB in 32 bars."""
    tradition = TRADITIONS[st.session_state["style"]]
    first = first_song(tradition.id)
    st.session_state["ready"] = first.name
    put_seed(first.melody, first.find_key)
    st.session_state.update(
        {"tempo": tradition.tempo, "instrument": tradition.instrument, "form": tradition.form, "bars": tradition.bars}
    )


def style_ui() -> str:
    """The tradition the seed is continued in (beside the title; the caption under it says where
    its songs come from)."""
    style = st.segmented_control(
        "Style",
        list(TRADITIONS),
        key="style",
        format_func=lambda style: TRADITIONS[style].name,
        on_change=style_changed,
        label_visibility="collapsed",  # the buttons name the traditions; the caption under the title says more
    )
    if style is None:  # a click on the chosen one unselects it: keep it
        style = st.session_state["style"] = session().kept.get("style", "german")
    return style


def ready_changed() -> None:
    choice = chosen()
    if choice in ready_seeds():
        put_seed(ready_seeds()[choice].melody, ready_seeds()[choice].find_key)
    elif choice == UPLOAD and session().upload:
        put_seed(session().upload[1], find_key=False)
    elif choice == SUNG and session().take:
        put_seed(session().take.sung.melody, find_key=True)


def text_changed() -> None:
    choice = chosen()
    if choice in ready_seeds() and st.session_state["seed:text"] != ready_text(choice):
        st.session_state["ready"] = menu_entry(TYPED)  # the menu says the seed is now the person's own


def ready_text(choice: str) -> str:
    """A ready seed's notes as the seed box writes them (in the chosen note names)."""
    return seed_text(ready_seeds()[choice].melody, st.session_state["names"])


def names_changed() -> None:
    """ "Note names" switched: the seed box is rewritten in the new names (same notes)."""
    state = session()
    before, now = state.names, st.session_state["names"]
    fields = {"meter": st.session_state["meter"], "pickup": int(st.session_state["pickup"])}
    st.session_state["seed:text"] = renamed(st.session_state["seed:text"], before, now, **fields)
    state.names = now


@st.cache_data(show_spinner=False, max_entries=64)
def key_of(_loaded, seed: Melody) -> KeyChoice:
    """The key a musician would hear in the seed (the model scores it in the 24 keys, with
    its first, strong and last notes: `find_seed_key`, ~40 ms), and its relative key."""
    return find_seed_key(_loaded, seed)


def use_key(key: str) -> None:
    st.session_state["seed_key"] = key


@st.cache_data(show_spinner="Reading the file...", max_entries=32)
def read_upload(name: str, digest: str, _data: bytes) -> Reading | str:
    """The song of an upload, or what is wrong with it: read once per file (keyed by its
    name and the SHA-256 of its bytes), not again on every rerun."""
    try:
        return song_from_upload(name, _data)
    except SongSkipped as skip:
        return upload_problem(name, skip)


def upload_changed() -> None:
    """A new file replaces the seed (its opening, meter, pickup and key); a bad one, or the
    file taken out, changes nothing (`melody.studio.uploads.after_upload`)."""
    uploaded = st.session_state.get("upload")
    read = None
    if uploaded is not None:
        data = uploaded.getvalue()
        read = read_upload(uploaded.name, hashlib.sha256(data).hexdigest(), data)
    step = after_upload(session().upload, uploaded and uploaded.name, read)
    session().upload, session().upload_error = step.upload, step.error
    if step.seed is not None:
        st.session_state["ready"] = menu_entry(UPLOAD)
        put_seed(step.seed, find_key=False)


@st.cache_data(show_spinner="Listening...", max_entries=32)
def hear_recording(_loaded, name: str, digest: str, meter: str, tempo: float | None, pickup: int, _data: bytes):
    """What was sung in a recording (`seed_from_singing`: the path transcribe.py and generate.py
    take), or what is wrong with it: heard once per recording and meter, tempo and pickup."""
    try:
        return seed_from_singing(_loaded, read_recording(_data, name), meter, tempo, pickup)
    except UserError as error:
        return str(error)


def recording_changed(loaded, widget: str) -> None:
    """A new recording (sung into the recorder or uploaded) replaces the seed: its notes in the
    seed box, in the studio's meter and pickup, at the tempo found from the singing (unless
    "Sing at the studio's tempo"), the key found from the notes; a recording that cannot be
    used, or one taken out, changes nothing (`melody.studio.singing.after_recording`)."""
    given = st.session_state.get(widget)
    heard = None
    if given is not None:
        data = given.getvalue()
        state = st.session_state
        tempo = float(state["tempo"]) if state.get("sing_at_tempo") else None
        digest = hashlib.sha256(data).hexdigest()
        heard = hear_recording(loaded, given.name, digest, state["meter"], tempo, int(state["pickup"]), data)
    step = after_recording(session().take, given and given.name, heard)
    session().take, session().take_error = step.take, step.error
    if step.seed is not None:
        st.session_state["ready"] = menu_entry(SUNG)
        put_seed(step.seed, find_key=True)
        low, high = share.STUDIO_TEMPO
        st.session_state["tempo"] = int(min(max(round(step.seed.tempo), low), high))  # played as sung


def prepare_state() -> None:
    """Widget values: kept across pages, first from the defaults, or from a share link."""
    state = session()
    for key, value in defaults().items():
        if key not in st.session_state:
            st.session_state[key] = state.kept.get(key, value)
    if not state.link_read:
        state.link_read = True
        if share.NAMES["number"] in st.query_params:
            open_link(st.query_params.to_dict())
        elif st.query_params.get(share.NAMES["style"]) in TRADITIONS:  # "?style=chinese": a class's start page
            st.session_state["style"] = st.query_params[share.NAMES["style"]]
            style_changed()


def open_link(query: dict) -> None:
    """Set every control from a share link and ask for its melody to be made on this run."""
    ready = ready_seeds().get(str(query.get(share.NAMES["ready"], "")))  # its own meter and pickup by default
    base = share.Recipe(seed=defaults()["seed:text"])
    if ready:
        base = dataclasses.replace(base, meter=ready.melody.meter, pickup=ready.melody.pickup)
    recipe, problems = share.from_query(query, base, INSTRUMENTS, tuple(ready_seeds()))
    st.session_state["style"] = recipe.style  # first: the menu of ready seeds is the style's
    if recipe.ready in ready_seeds():
        st.session_state["ready"] = menu_entry(recipe.ready)
        text = seed_text(ready_seeds()[recipe.ready].melody, recipe.names)
    else:
        st.session_state["ready"] = menu_entry(TYPED)
        text = recipe.seed
    st.session_state.update({"seed:text": text, **widget_values(recipe)})
    session().link_number, session().link_problems, session().names = recipe.number, problems, recipe.names


def seed_ui(loaded) -> Melody | None:
    """The seed: a menu, the notes box, a small score of it, meter, pickup and key, a file.
    Returns the seed (None when the box cannot be read: the reason is under the box)."""
    if st.session_state["ready"] not in menu():  # e.g. a file that is gone
        st.session_state["ready"] = menu_entry(TYPED)
    st.selectbox("Start from", list(menu()), key="ready", on_change=ready_changed)
    choice = chosen()
    if choice in ready_seeds() and ready_seeds()[choice].collection:
        ready = ready_seeds()[choice]
        said = f"A real song from {ready.origin}." if ready.origin else f"A real tune from {ready.collection}."
        origin = st.container(key="seed-origin")  # not on phones: Generate stays on the first screen
        origin.caption(said)  # one line: the menu names the song and its collection
    text = st.text_input(
        "Seed melody",
        key="seed:text",
        on_change=text_changed,
        help=f"Notes like {seed_text(parse_seed('67 69 71'), st.session_state['names'])} (C4 is middle C), '_' holds "
        f"a note one more 16th, 'r' is a rest. Use {ALLOWED} (note names as chosen under Note names, More settings).",
    )
    meter_box, pickup_box, key_box = st.container(key="seed-shape").columns([1, 1, 2])
    meter = meter_box.selectbox("Meter", METERS, key="meter", help="Time signature of the seed and of the song.")
    st.session_state["pickup"] = min(int(st.session_state["pickup"]), bar_steps(meter) - 1)  # fits a shorter bar
    pickup = pickup_box.number_input(
        "Pickup (16ths)",
        0,
        bar_steps(meter) - 1,
        key="pickup",
        help="How long the seed plays before the first barline: 0 starts on a downbeat, 4 is one quarter before.",
    )
    seed_key = key_box.selectbox(
        "Key of the seed",
        [FIND_KEY, *all_keys()],
        key="seed_key",
        help="The model works in C major / A minor: the seed is moved there, and the result moved back.",
    )
    names = st.session_state["names"]
    try:
        fields = {"meter": meter, "pickup": int(pickup), "tempo": float(st.session_state["tempo"])}
        fields["style"] = st.session_state["style"]
        typed = read_typed_seed(text, names, **fields, **({} if seed_key == FIND_KEY else {"key": seed_key}))
        heard = key_of(loaded, typed.melody) if seed_key == FIND_KEY else None
        seed = typed.melody if heard is None else typed.melody.replace(key=heard.key)
        check_seed(loaded, seed, int(st.session_state["bars"]), names)  # range and length, as people type
    except UserError as error:
        st.error(f"Seed: {shown(error)}")
        return None
    found = " (found from the notes)" if seed_key == FIND_KEY and seed.pitches() else ""
    with st.container(key="seed-score"):  # not on phones: Generate stays on the first screen
        st.image(seed_svg(seed.replace(title="Your seed")), width=420)
    quarters = " No '_' in it, so each note is a quarter note." if typed.as_quarters else ""
    line = st.container(key="seed-words")  # not on phones (see STYLE)
    words, other = line.columns([2, 1], vertical_alignment="center") if found else (line, None)
    words.caption(f"{plain.notes_in_words(seed, 12, names)} · {seed.key}{found} · {seed.meter}.{quarters}")
    if found:  # the key heard, and one click to its relative (same key signature, other mode)
        other.button(
            f"Or {heard.relative}",
            key="relative-key",
            type="tertiary",
            on_click=use_key,
            args=(heard.relative,),
            help=f"{heard.key} and {heard.relative} share their key signature; the seed's notes decide which it is.",
        )
    return seed


def own_seed_ui(loaded) -> None:
    """The seed from the person: sung or hummed (the recorder, or a recording's file), or the
    opening of a song file; one expander (the first screen keeps Generate), a tab each."""
    opened = chosen() == SUNG or bool(session().take_error)
    with st.expander("Sing, hum or bring your own song", expanded=opened, icon=":material/mic:"):
        sing, song = st.tabs(["Sing or hum", "A song file"])
        with sing:
            sing_ui(loaded)
        with song:
            st.file_uploader(
                "Its first two bars become the seed",
                type=[suffix.lstrip(".") for suffix in SONG_SUFFIXES],
                key="upload",
                on_change=upload_changed,
            )
    upload_said()


def upload_said() -> None:
    """Under the expander, whichever tab is open: what is wrong with the last song file, or
    what the seed taken from one is."""
    if session().upload_error:
        st.error(shown(session().upload_error))
    if chosen() == UPLOAD:
        name, opening, notes = session().upload
        st.caption(f"Seed from {shown(name, 80)}: its first bars, in {opening.meter}, {opening.key}.")
        for note in notes:  # what reading changed: the top line taken, a triplet rounded
            st.caption(shown(note))


def sing_ui(loaded) -> None:
    """ "Sing or hum": the recorder, what was heard in the last take (with a player of the notes
    as the studio heard them) or why it cannot be used, the tempo switch, a recording's file."""
    st.audio_input(
        "Record a few notes (a tune's first bars; up to 30 s)",
        sample_rate=16_000,
        key="recording",
        on_change=recording_changed,
        args=(loaded, "recording"),
        help="Sing on 'la' or hum, one note at a time, close to the microphone. The notes heard fill the seed box.",
    )
    if session().take_error:
        st.error(shown(session().take_error))
    if chosen() == SUNG and session().take:
        sung = session().take.sung
        st.caption(shown(heard_in_words(sung, st.session_state["names"])))
        for said in sung.notes:  # what was changed: cut to 30 s, 4 bars kept, an octave moved, clipping
            st.caption(shown(said))
        program = INSTRUMENTS.get(st.session_state["instrument"], 0)
        st.caption("Hear what I heard:")
        st.audio(heard_wav(sung.melody, program), format="audio/wav")
    st.toggle(
        "Sing at the studio's tempo",
        key="sing_at_tempo",
        help="Off: the tempo is found from your singing. On: your notes are placed at the tempo under "
        "More settings (sing along with its beat).",
    )
    st.file_uploader(
        "Or a recording",
        type=[suffix.lstrip(".") for suffix in AUDIO_SUFFIXES],
        key="recording_file",
        on_change=recording_changed,
        args=(loaded, "recording_file"),
    )


def settings_sidebar() -> None:
    """Everything beyond the first screen: variations, keys, tempo, sound, a melody by number."""
    with st.sidebar:
        st.subheader("More settings")
        st.selectbox(
            "Note names",
            list(plain.NAMINGS_SHOWN),
            key="names",
            format_func=plain.NAMINGS_SHOWN.get,
            on_change=names_changed,
            help="How the seed box writes notes: English C D E F G A B, German C D E F G A H (B is B flat; Fis, Es), "
            "or solfège do re mi fa sol la si. The octave number follows: C4 (do4) is middle C.",
        )
        st.slider("Variations (melodies at once)", 1, share.MAX_VARIATIONS, key="variations")
        st.selectbox("Key of the song", [SEED_KEY, *all_keys()], key="output_key", help="Any of the 24 keys.")
        st.slider("Tempo (quarter notes per minute)", *share.STUDIO_TEMPO, key="tempo")
        st.selectbox("Instrument", list(INSTRUMENTS), key="instrument")
        with st.expander("For the curious: limit the model's choices"):
            st.number_input("Choose only among the k likeliest (0: no limit)", 0, share.MAX_TOP_K, key="top_k")
            st.number_input("Memory in 16ths (0: the whole melody so far)", 0, share.MAX_WINDOW, key="max_seq_len")
        st.subheader("Bring back a melody")
        st.number_input("Melody number", 0, share.MAX_NUMBER, value=None, key="recall_number", placeholder="e.g. 48213")
        st.button(
            "Make this melody again",
            key="recall",
            on_click=recall,
            help="The number alone brings back its seed, settings and notes, in any browser.",
        )
        if session().recall_problem:
            st.warning(shown(session().recall_problem))


def recall() -> None:
    """ "Make this melody again": the number's seed and settings from the studio's book, set
    on every control (as a link does) and made on this run; or why that cannot be."""
    number, state = st.session_state.get("recall_number"), session()
    state.recall_problem = None
    if number is None:
        state.recall_problem = "Type a melody number first (it is on every melody, e.g. “Folk melody #48213”)."
        return
    query = shared_book().query(int(number))
    if query is None:
        state.recall_problem = unknown_number(int(number))
        return
    open_link(query)


def recipe_now() -> share.Recipe:
    """What the controls say now (the melody number comes with Generate)."""
    state = st.session_state
    choice = chosen()
    unchanged = choice in ready_seeds() and state["seed:text"] == ready_text(choice)
    return recipe_from(state, seed=state["seed:text"], ready=choice if unchanged else "")


def make(loaded, seed: Melody, plan: budget.Plan, made: making.Made | None = None) -> None:
    """Generate the planned recipe's melodies (or take those ``made`` ahead) and keep them
    with the recipe (and in the link); the previous result's sound and scores are dropped."""
    if made is None:
        recipe, melodies, views = plan.recipe, making.melodies(loaded, seed, plan.recipe), {}
    else:
        recipe, melodies, views = made.recipe, made.melodies, made.views
    session().result = Result(recipe, melodies, plan, views)  # the previous result's renders go with it
    shared_book().record(recipe)  # its number alone brings it back
    st.query_params.from_dict(share.to_query(recipe))


def number_asked(recipe: share.Recipe) -> int | None:
    """The melody number to make on this run: a fresh one per Generate (at "Safest" the one
    its melody already has: the same notes each click), or a link's or brought-back one."""
    if st.session_state.get("generate"):
        known = shared_book().number_for(recipe)
        return shared_book().new_number() if known is None else known
    number, session().link_number = session().link_number, None
    return number


def studio() -> None:
    """The studio: controls on the left, the melody on the right (stacked on a phone)."""
    prepare_state()
    loaded = model_or_stop(st.session_state["style"])
    if session().presenting is not None and session().result:
        with errors_shown("showing the melody for a class"):
            present_ui(session().result)
        return  # the controls keep their values (`StudioSession.kept`) for the way back
    session().presenting = None
    title, choice = st.container(key="title-row").columns([3, 2], vertical_alignment="center")
    title.title("Folk Melody Studio")
    with choice:
        style = style_ui()
    with st.container(key="style-origin"):  # two lines at most on a phone: Generate stays on the first screen
        tradition = TRADITIONS[style]
        st.caption(f"A neural network continues your seed as {plain.a_or_an(tradition.name)} tune. {tradition.origin}")
    problems, session().link_problems = session().link_problems, []
    for problem in problems:
        st.warning(f"Part of the link could not be read ({shown(problem)}); the studio's default is used.")
    controls, results = st.columns([2, 3], gap="large")
    settings_sidebar()
    with controls:
        seed = seed_ui(loaded)
        own_seed_ui(loaded)
        length, form = st.container(key="length-form").columns([3, 2], vertical_alignment="bottom")
        phrases = 1 if st.session_state["form"] == "free" else len(st.session_state["form"])
        st.session_state["bars"] = budget.whole_phrases(int(st.session_state["bars"]), phrases)
        length.slider(
            "Length (bars)",
            *BARS_RANGE,
            step=phrases,  # whole phrases of the form
            key="bars",
            help="The song has exactly this many bars and ends on its last barline; with a form, whole phrases.",
        )
        form.selectbox(
            "Form",
            FORMS,
            key="form",
            format_func=plain.form_label,
            help="How the song comes back to its phrases: AABA sings phrase A twice, a contrasting B, then A again "
            "(the bars are split into equal phrases). Free: the network's own form.",
        )
        st.select_slider(
            "How adventurous",
            plain.TEMPERATURES,
            key="temperature",
            format_func=plain.temperature_label,
            help="Safest (0) always takes the likeliest note; 1 follows the model's own odds; higher is wilder.",
        )
        button, switch = st.columns([3, 2], vertical_alignment="center")
        button.button("Generate", type="primary", key="generate", width="stretch", disabled=seed is None)
        switch.toggle(
            "Chords",
            key="chords",
            help="Chords under the melody, chosen for it by a second network (learned from folk dance tunes), "
            "played by a guitar and written under the score.",
        )
        recipe = recipe_now()
        number = number_asked(recipe)
        if number is not None and seed is not None:
            with errors_shown("making the melody"):
                plan = budget.plan(dataclasses.replace(recipe, number=number))  # bounded before any work
                made = made_ahead(plan.recipe) if st.session_state.get("generate") and not plan.notes else None
                make(loaded, seed, plan, made)
    with results, st.container(key="result"):
        result_ui(loaded, session().result, recipe)
        if number is not None and session().result:  # made on this run: on a phone, show it
            script = SCROLL_TO_RESULT.replace("NUMBER", str(session().result.recipe.number))
            st.html(script, unsafe_allow_javascript=True)
    make_ahead(loaded, seed, recipe)  # the next Generate's melody, made while this one plays
    session().kept = {key: st.session_state[key] for key in defaults()}


st.set_page_config(page_title="Folk Melody Studio", page_icon="🎻", layout="wide")
navigation = st.navigation(
    [
        st.Page(studio, title="Studio", icon=":material/music_note:", default=True),
        st.Page("pages/1_How_it_works.py", title="How it works", icon=":material/lightbulb:"),
        st.Page("pages/2_The_model.py", title="The model", icon=":material/insights:"),
    ]
)
st.html(STYLE)  # every page: on a narrow screen, Generate on the first screen
navigation.run()
