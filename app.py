"""Folk Melody Studio: type a seed, pick a temperature and a length, see and hear a new folk melody.

UI only: every computation lives in the `melody` package. Run with `make app`.
"""

from __future__ import annotations

import hashlib
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import streamlit as st

from melody import render
from melody.analysis import note_surprise
from melody.corpus import (
    SONG_SUFFIXES,
    SongSkipped,
    detect_key,
    melody_from_upload,
    upload_problem,
)
from melody.errors import USER_ERRORS
from melody.melody import Melody, all_keys, bar_steps
from melody.ready_seeds import PATTERNS, real_song_openings
from melody.sampler import BARS_RANGE, GenerationSettings, generate
from melody.seed import ALLOWED, EXAMPLE, parse_seed
from studio import errors_shown, model_or_stop

METERS = ("4/4", "3/4", "2/4", "6/8")
READY_SEEDS = PATTERNS
FIND_KEY = "Find it from the notes"
SEED_KEY = "Same as the seed"
INSTRUMENTS = {"Piano": 0, "Harpsichord": 6, "Accordion": 21, "Acoustic guitar": 24, "Violin": 40, "Flute": 73}


@st.cache_data(show_spinner=False, max_entries=64)
def renders(melody: Melody, program: int) -> render.Renders:
    return render.render_all(melody, program)


@st.cache_data(show_spinner=False, max_entries=64)
def seed_key(seed: Melody) -> str:
    return detect_key(seed)


@st.cache_data(show_spinner=False, max_entries=64)
def surprise_rows(_loaded, melody: Melody) -> list[dict]:
    """One row per note: where it sounds (in beats), its pitch and its surprise in bits."""
    return [
        {
            "beat": e.start / 4,
            "end": (e.start + e.length) / 4,
            "pitch": e.pitch,
            "top": e.pitch + 1,
            "bits": round(bits, 2),
            "note": i + 1,
        }
        for i, (e, bits) in enumerate(note_surprise(_loaded, melody, whole_song=True))  # songs of N bars
    ]


@st.cache_data(show_spinner="Reading a few real songs...")
def real_song_seeds() -> dict[str, Melody]:
    return real_song_openings()


@st.cache_data(show_spinner="Reading the file...", max_entries=32)
def read_upload(name: str, digest: str, _data: bytes) -> Melody | str:
    """The song of an upload, or what is wrong with it: read once per file (keyed by its
    name and the SHA-256 of its bytes), not again on every rerun."""
    try:
        return melody_from_upload(name, _data)
    except SongSkipped as skip:
        return upload_problem(name, skip)


def upload_ui() -> Melody | None:
    """An uploaded song (its opening becomes the seed), or None; errors shown, page kept."""
    uploaded = st.file_uploader(
        "Or start from a song file: its first two bars become the seed",
        type=[suffix.lstrip(".") for suffix in SONG_SUFFIXES],
        key="upload",
    )
    if uploaded is None:
        return None
    data = uploaded.getvalue()
    song = read_upload(uploaded.name, hashlib.sha256(data).hexdigest(), data)
    if isinstance(song, str):
        st.error(song)
        return None
    opening = song.opening(2)
    st.caption(f"Seed from {uploaded.name}: {len(opening)} steps in {song.meter}, {song.key}.")
    return opening


def seed_ui() -> tuple[str, dict]:
    """The seed text and the Melody fields that go with it (meter, and a pickup from a file)."""
    st.subheader("1. Seed")
    songs = real_song_seeds()
    ready = st.selectbox("Ready seeds", [*READY_SEEDS, *songs], help="Pick one, then change it as you like.")
    opening = upload_ui() or songs.get(ready)
    start = " ".join(opening.steps) if opening else READY_SEEDS[ready]
    text = st.text_input(
        "Seed melody, one symbol per 16th note", value=start, help=f"Use {ALLOWED}.", key=f"seed:{ready}:{start[:40]}"
    )
    st.caption(f"Use {ALLOWED}. Example: `{EXAMPLE}`")
    if opening:
        return text, {"meter": opening.meter, "pickup": opening.pickup, "key": opening.key}
    left, middle, right = st.columns(3)
    meter = left.selectbox("Meter", METERS, help="Time signature of the seed and of the result.", key="meter")
    pickup = middle.number_input(
        "Pickup (16ths before the first barline)",
        0,
        bar_steps(meter) - 1,
        0,
        help="0: the seed starts on a downbeat. 4: it starts one beat (a quarter) before the first barline.",
        key="pickup",
    )
    key = right.selectbox(
        "Key of the seed",
        [FIND_KEY, *all_keys()],
        help="The model works in C major / A minor: the seed is moved there, and the result moved back.",
        key="seed_key",
    )
    return text, {"meter": meter, "pickup": int(pickup)} | ({} if key == FIND_KEY else {"key": key})


def settings_ui(meter: str) -> tuple[GenerationSettings, float, int]:
    st.subheader("2. Settings")
    temperature = st.slider(
        "Temperature",
        0.0,
        2.0,
        0.8,
        0.05,
        help="0: always the likeliest note; 1: the model's own odds; higher: wilder.",
        key="temperature",
    )
    bars = st.slider(
        "Length (bars)",
        *BARS_RANGE,
        16,
        help="The song has exactly this many bars, counted after the seed's pickup, and ends on its last barline.",
        key="bars",
    )
    left, right = st.columns([3, 1])
    if right.button("New seed", help="Draw another random seed"):
        st.session_state["random_seed"] = int.from_bytes(os.urandom(3), "big")
    random_seed = int(
        left.number_input(
            "Random seed (same number, same melody)", 0, 2**31 - 1, st.session_state.get("random_seed", 7)
        )
    )
    variations = st.slider("Variations", 1, 4, 1, help="Several melodies from the same seed.", key="variations")
    key = st.selectbox(
        "Key of the result",
        [SEED_KEY, *all_keys()],
        help="Any of the 24 keys. A key of the other mode (major/minor) changes the seed's mode before generating.",
        key="output_key",
    )
    tempo = float(st.slider("Tempo (quarter notes per minute)", 40, 200, 100))
    instrument = st.selectbox("Instrument", list(INSTRUMENTS))
    with st.expander("More: top-k and the seed report's window"):
        top_k = st.number_input("Top-k (0: no limit): sample among the k likeliest symbols", 0, 45, 0, key="top_k")
        window = st.number_input(
            "Maximum sequence length (0: the whole melody): the model sees only this many past steps",
            0,
            1024,
            0,
            key="max_seq_len",
        )
    settings = GenerationSettings(
        bars=bars,
        temperature=temperature,
        random_seed=random_seed,
        variations=variations,
        top_k=int(top_k) or None,
        max_seq_len=int(window) or None,
        key=None if key == SEED_KEY else key,
    )
    return settings, tempo, INSTRUMENTS[instrument]


def charts_ui(rows: list[dict]) -> None:
    """Piano roll coloured by surprise, and the surprise of each note as a strip of bars."""
    colour = {"field": "bits", "type": "quantitative", "scale": {"scheme": "orangered"}, "title": "surprise (bits)"}
    roll = {
        "mark": {"type": "rect", "stroke": "white", "strokeWidth": 0.5},
        "encoding": {
            "x": {"field": "beat", "type": "quantitative", "title": "beat"},
            "x2": {"field": "end"},
            "y": {"field": "pitch", "type": "quantitative", "scale": {"zero": False}, "title": "MIDI pitch"},
            "y2": {"field": "top"},
            "color": colour,
            "tooltip": [{"field": "note"}, {"field": "pitch"}, {"field": "bits"}],
        },
        "height": 160,
    }
    strip = {
        "mark": "bar",
        "encoding": {
            "x": {"field": "note", "type": "ordinal", "title": "note", "axis": {"labelOverlap": True, "labelAngle": 0}},
            "y": {"field": "bits", "type": "quantitative", "title": "surprise (bits)"},
            "color": colour,
        },
        "height": 150,
    }
    st.vega_lite_chart(rows, roll, width="stretch")  # rows become the chart's table
    st.vega_lite_chart(rows, strip, width="stretch")
    st.caption("Surprise = -log2 of the model's probability for each note: tall bars are where the melody took a risk.")


def result_ui(index: int, melody: Melody, program: int, rows: list[dict]) -> None:
    st.markdown(f"**{melody.title}** · {melody.key} · {melody.meter} · {melody.tempo:g} bpm")
    out = renders(melody, program)
    st.image(out.svg, width="stretch")  # an <img>: verovio's <defs>/<use> survive
    st.audio(out.wav, format="audio/wav")
    if rows:
        charts_ui(rows)
    with st.expander("Symbols"):
        st.code(" ".join(melody.steps), language=None)
    columns = st.columns(3)
    name = f"folk-melody-{index + 1}"
    columns[0].download_button("MIDI", out.midi, f"{name}.mid", "audio/midi", key=f"mid{index}")
    columns[1].download_button(
        "MusicXML", out.musicxml, f"{name}.musicxml", "application/vnd.recordare.musicxml+xml", key=f"xml{index}"
    )
    columns[2].download_button("WAV", out.wav, f"{name}.wav", "audio/wav", key=f"wav{index}")


def main() -> None:
    st.set_page_config(page_title="Folk Melody Studio", page_icon="🎻")
    st.title("Folk Melody Studio")
    st.write("An LSTM trained on German folk songs (Essen collection) continues your seed.")
    with errors_shown("making the melody"):
        studio_ui()


def studio_ui() -> None:
    """Seed, settings, Generate and the results."""
    loaded = model_or_stop()
    text, fields = seed_ui()
    settings, tempo, program = settings_ui(fields["meter"])
    try:
        seed = parse_seed(text, tempo=tempo, **fields)
        if "key" not in fields:
            seed = seed.replace(key=seed_key(seed))
    except USER_ERRORS as error:
        st.error(str(error))
        st.stop()
    notes = ", ".join(f"{'rest' if e.pitch is None else e.pitch} ({e.length}/16)" for e in seed.events())
    found = " (found from the notes)" if "key" not in fields and seed.pitches() else ""
    st.caption(f"Seed as notes: {notes} · {seed.key}{found}")
    if st.button("Generate", type="primary", key="generate"):
        try:
            melodies = generate(loaded, seed, settings)
        except USER_ERRORS as error:
            st.error(str(error))
            st.stop()
        st.session_state["melodies"] = [m.replace(title=f"Folk melody {i + 1}") for i, m in enumerate(melodies)]
    melodies = st.session_state.get("melodies")
    if melodies:
        st.subheader("3. Result")
        for index, melody in enumerate(melodies):
            with errors_shown(f"drawing melody {index + 1}"):
                result_ui(index, melody, program, surprise_rows(loaded, melody))
        if render.synthesizer() != "fluidsynth":
            st.caption(
                "Sound: pretty_midi's simple synthesis (FluidSynth with a General MIDI SoundFont is not installed)."
            )


main()
