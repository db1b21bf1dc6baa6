"""The model: its card in plain language (data, size, training time, loss curve, held-out
figures next to the n-gram baseline). UI only."""

from __future__ import annotations

import math

import streamlit as st

from melody.studio import plain_words as plain
from melody.studio.plain_words import percent
from studio import errors_shown, model_or_stop

st.set_page_config(page_title="The model · Folk Melody Studio", page_icon="🎻", layout="centered")
st.title("The model")
MODEL_NAMES = {  # the card's model names in plain words
    "essen-lstm": "this model (told the meter and bar position)",
    "essen-lstm-meter-blind": "the same network, not told the meter",
    "KN-5": "a counting model (5-gram)",
    "test songs": "real songs it never saw",
}


def row_name(name: str) -> str:
    """A row of the card's tables in plain words ("temperature 0" -> "Safest (0)")."""
    if name.startswith("temperature "):
        return plain.temperature_label(float(name.split()[1]))
    if " T=" in name:  # a form at a temperature: "AABA T=0.8"
        form, temperature = name.split(" T=")
        return f"form {form}, {plain.temperature_label(float(temperature))}"
    return MODEL_NAMES.get(name, name)


def plain_reading(figure: str, value: float) -> str:
    """What a held-out figure means, in words: a surprise in nats or bits as a chance."""
    if figure == "nll_per_step":
        return f"gives what really comes next a {percent(math.exp(-value))} chance per 16th note (on average)"
    if figure == "nll_per_event":
        return f"gives each real note or rest a {percent(math.exp(-value))} chance when it starts"
    if figure == "pitch_bits_per_note":
        return f"like guessing among {2**value:.1f} equally likely pitches for each note"
    return f"its first guess is right at {percent(value)} of the 16th-note steps"


def card_ui(loaded) -> None:
    """The card in plain words; a card with missing figures shows an error, not a traceback."""
    card = loaded.card
    if not card:
        st.warning(f"{loaded.folder} has no model card (card.json).")
        st.stop()
    data, training, model, test = card["data"], card["training"], card["model"], card["test"]
    st.write(
        f"It learned from **{data.get('songs_kept', '?'):,} German folk songs** of the Essen collection "
        f"({data.get('songs_read', '?'):,} read; the rest use note lengths outside the 16th-note grid the model "
        "knows). "
        f"It has **{model['parameters']:,} numbers** to learn (a network of {model.get('layers', 1)} LSTM layers of "
        f"{model['units']} units: it reads a melody one 16th note at a time and remembers what came before) and "
        "trained for "
        f"**{training['wall_minutes']:.0f} minutes** on 2 CPU cores ({training['epochs_run']} passes over the songs)."
    )
    st.subheader("How well it predicts songs it never saw")
    st.write(
        f"On {test['songs']} held-out songs, next to a classic statistical model (a Kneser-Ney 5-gram, which counts "
        "what followed each run of 4 symbols in the training songs). Lower is better for the first three."
    )
    names = {
        "nll_per_step": "surprise per 16th note (nats)",
        "nll_per_event": "surprise per note or rest onset (nats)",
        "pitch_bits_per_note": "bits to guess each next pitch",
        "accuracy": "first guess right",
    }
    st.table(
        {
            "figure": list(names.values()),
            "this model": [_shown(k, test["model"][k]) for k in names],
            "5-gram baseline": [_shown(k, test["kn5"][k]) for k in names],
            "in plain words (this model)": [plain_reading(k, test["model"][k]) for k in names],
        }
    )
    st.caption(
        "A nat and a bit are units of surprise: a surprise of s nats is a chance of e^-s, s bits a chance of 2^-s. "
        f"The 5-gram baseline {plain_reading('nll_per_step', test['kn5']['nll_per_step'])}."
    )
    st.subheader("Learning curve")
    st.image(
        str(loaded.folder / "loss.png"),
        caption="Cross-entropy per 16th-note step, on training and on held-out validation songs.",
    )
    report = card.get("meter_report")
    if report:
        st.subheader("Does it keep the meter?")
        st.write(
            "The model is told where each step falls in the bar and the song's time signature. A copy trained the same "
            'way without being told ("meter-blind") predicts held-out songs worse:'
        )
        st.table(
            {
                "model": [MODEL_NAMES.get(name, name) for name in report["test"]],
                "surprise per 16th note (nats)": [round(f["nll_per_step"], 3) for f in report["test"].values()],
                "in plain words": [plain_reading("nll_per_step", f["nll_per_step"]) for f in report["test"].values()],
                "first guess right": [percent(f["accuracy"]) for f in report["test"].values()],
            }
        )
        meter = st.selectbox("Time signature", list(report["meters"]), key="card_meter")
        rows = report["meters"][meter]
        st.write(
            f"{report['per_meter']} melodies in {meter} from each model, each started from the opening of a real "
            f"song in {meter}, next to the real songs. Closer to the real songs is better."
        )
        labels = {
            "ends_on_barline": "ends where the bar ends",
            "ends_on_tonic": "ends on the home note",
            "notes_in_scale": "notes in the scale",
            "strong_beat_onsets": "notes starting on a strong beat",
        }
        st.table(
            {
                "melodies from": [row_name(r) for r in rows],
                **{label: [percent(rows[r][k]) for r in rows] for k, label in labels.items()},
            }
        )
    form = card.get("form_report")
    if form:
        st.subheader("Does it write whole songs?")
        st.write(
            "Each held-out song's first bar starts a new song of the same number of bars as the real one "
            "(in a form: moved to whole phrases). Temperature 0 is the likeliest song; 1 samples the model's own "
            "odds. A real song comes back to its bars and phrases; the last two columns say how often."
        )
        meter = st.selectbox("Time signature ", list(form["meters"]), key="form_meter")
        rows = form["meters"][meter]
        labels = {
            "exact_bars": "has the bars asked for, ending on the last barline",
            "ends_on_tonic": "ends on the home note",
            "repeated_bars": "bars that only repeat the bar before",
            "bars_repeating_earlier": "bars equal to an earlier bar",
            "phrases4_agreeing": "4-bar phrases that come back (75% alike)",
        }
        st.table(
            {
                "songs from": [row_name(r) for r in rows],
                **{label: [_share(rows[r].get(k)) for r in rows] for k, label in labels.items()},
            }
        )
    with st.expander("The full card"):
        st.markdown((loaded.folder / "card.md").read_text().replace("![loss](loss.png)", ""))


def _share(value) -> str:
    """A share as a percentage, or "-" where no song had anything to compare."""
    return "-" if value is None else percent(value)


def _shown(figure: str, value: float) -> str:
    return percent(value) if figure == "accuracy" else f"{value:.3f}"


loaded = model_or_stop()
with errors_shown("reading the model card"):
    card_ui(loaded)
