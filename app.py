"""Folk Melody Studio: type a seed, pick a temperature and a length, hear a new folk melody.

UI only: every computation lives in the `melody` package. Run with `make app`.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import streamlit as st

from melody import render
from melody.errors import USER_ERRORS
from melody.melody import Melody, bar_steps
from melody.model import default_model_folder, load_model_folder
from melody.sampler import GenerationSettings, generate
from melody.seed import ALLOWED, EXAMPLE, parse_seed

METERS = ("4/4", "3/4", "2/4", "6/8")


@st.cache_resource(show_spinner="Loading the model (once for everybody)...")
def shared_model(folder: str):
    """The model, loaded once and shared by all sessions (read-only after loading)."""
    return load_model_folder(folder)


@st.cache_data(show_spinner=False, max_entries=64)
def midi_bytes(melody: Melody) -> bytes:
    return render.to_midi_bytes(melody)


@st.cache_data(show_spinner=False, max_entries=64)
def wav_bytes(melody: Melody) -> bytes:
    return render.to_wav_bytes(melody)


def seed_ui() -> tuple[str, str]:
    st.subheader("1. Seed")
    text = st.text_input("Seed melody, one symbol per 16th note", value=EXAMPLE, help=f"Use {ALLOWED}.")
    st.caption(f"Use {ALLOWED}. Example: `{EXAMPLE}`")
    meter = st.selectbox("Meter", METERS, help="Time signature of the seed and of the result.")
    return text, meter


def settings_ui(meter: str) -> tuple[GenerationSettings, float]:
    st.subheader("2. Settings")
    temperature = st.slider(
        "Temperature",
        0.0,
        2.0,
        0.8,
        0.05,
        help="0: always the likeliest note; 1: the model's own odds; higher: wilder.",
    )
    steps = st.slider("Length (16th notes)", 16, 1024, 256, 16)
    st.caption(f"{steps} sixteenths = {steps / bar_steps(meter):.3g} bars of {meter}")
    random_seed = int(st.number_input("Random seed (same number, same melody)", 0, 2**31 - 1, 7))
    tempo = float(st.slider("Tempo (quarter notes per minute)", 40, 200, 100))
    return GenerationSettings(steps=steps, temperature=temperature, random_seed=random_seed), tempo


def main() -> None:
    st.set_page_config(page_title="Folk Melody Studio", page_icon="🎻")
    st.title("Folk Melody Studio")
    st.write("An LSTM trained on German folk songs (Essen collection) continues your seed.")
    try:
        loaded = shared_model(str(default_model_folder()))
    except USER_ERRORS as error:
        st.error(str(error))
        st.stop()
    text, meter = seed_ui()
    settings, tempo = settings_ui(meter)
    try:
        seed = parse_seed(text, meter=meter, tempo=tempo)
    except USER_ERRORS as error:
        st.error(str(error))
        st.stop()
    st.caption(
        "Seed as notes: "
        + ", ".join(f"{'rest' if e.pitch is None else e.pitch} ({e.length}/16)" for e in seed.events())
    )
    if st.button("Generate", type="primary"):
        try:
            st.session_state["melody"] = generate(loaded, seed, settings)[0].replace(title="Folk melody")
        except USER_ERRORS as error:
            st.error(str(error))
            st.stop()
    melody = st.session_state.get("melody")
    if melody is not None:
        st.subheader("3. Result")
        st.code(" ".join(melody.steps), language=None)
        st.audio(wav_bytes(melody), format="audio/wav")
        if render.synthesizer() != "fluidsynth":
            st.caption(
                "Sound: pretty_midi's simple synthesis (FluidSynth with a General MIDI SoundFont is not installed)."
            )
        st.download_button("Download MIDI", midi_bytes(melody), "folk-melody.mid", "audio/midi")


main()
