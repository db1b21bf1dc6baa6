"""The model, for a school class first: what it learned from, how big it is, how long it
learned, and how well it guesses songs it never saw, next to a simple counting model; then
whether it keeps the meter and writes whole songs. The figures in nats and bits, the learning
curve and the full card wait in "For the curious" expanders. Every number comes from the
model's card. UI only."""

from __future__ import annotations

import math

import streamlit as st

from melody.core.melody import is_pitch
from melody.songs.traditions import TRADITIONS
from melody.studio import plain_words as plain
from melody.studio.plain_words import percent
from studio import errors_shown, model_or_stop

st.set_page_config(page_title="The model · Folk Melody Studio", page_icon="🎻", layout="centered")
st.title("The model")
MODEL_NAMES = {  # the card's model names in plain words
    "essen-lstm": "this network (told the meter and where the bar is)",
    "traditions-lstm": "one network for every tradition, told the style",
    "chinese-lstm": "a network of Chinese songs only",
    "irish-lstm": "a network of Irish and British tunes only",
    "essen-lstm-meter-blind": "the same network, not told the meter",
    "KN-5": "a simple counting model",
    "test songs": "real songs it never saw",
}
FIGURE_NAMES = {  # the card's held-out figures, by their technical names
    "nll_per_step": "surprise per 16th note (nats)",
    "nll_per_event": "surprise per note or rest onset (nats)",
    "pitch_bits_per_note": "bits to guess each next pitch",
    "accuracy": "first guess right",
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


def about_ui(loaded, card: dict, test: dict) -> None:
    """What it learned from, how big it is, how long it learned, how good it is: in plain words."""
    data, training, model = card["data"], card["training"], card["model"]  # test: this style's songs
    split = data.get("split_songs", {})
    parts = (
        f": {split['train']:,} to learn from, {split['validation']:,} to check its progress while learning, and "
        f"{split['test']:,} kept aside for the final test"
        if {"train", "validation", "test"} <= split.keys()
        else ""
    )
    pitches = sum(1 for symbol in loaded.vocab.symbols if is_pitch(symbol))
    styles = {style: count for style, count in data.get("styles", {}).items() if style in TRADITIONS}
    only = TRADITIONS[next(iter(styles))].name if len(styles) == 1 else ""
    what = (
        "a folk tune of each tradition, told which one"
        if len(styles) > 1
        else f"{plain.a_or_an(only or 'German')} folk tune"
    )
    st.write(
        "This is the network that makes the studio's melodies in this style: a computer program that learned from "
        f"examples which note tends to come next in {what}."
    )
    if len(styles) > 1:
        counts = ", ".join(f"{count:,} {TRADITIONS[style].name}" for style, count in styles.items())
        learned = f"{data.get('songs_kept', '?'):,} folk songs and tunes ({counts})"
    elif only:
        learned = f"{data.get('songs_kept', '?'):,} {only} folk tunes"
    else:
        learned = f"{data.get('songs_kept', '?'):,} German folk songs of the Essen collection"
    st.markdown(
        f"- **What it learned from:** {learned}{parts}.\n"
        f"- **How big it is:** {model['parameters']:,} numbers that it set by itself while learning.\n"
        f"- **How long it learned:** {training['wall_minutes']:.0f} minutes on an ordinary computer (2 processor "
        f"cores), going through all its songs {training['epochs_run']} times.\n"
        f"- **How good it is:** on the {test['songs']} songs it never saw, it gave the right next note a "
        f"**{plain.one_in(2 ** test['model']['pitch_bits_per_note'])} chance** on average (guessing blindly: "
        f"{plain.one_in(pitches)}). Below, how that was measured."
    )
    with st.expander("For the curious: the network and its training"):
        st.write(
            f"{model.get('layers', 1)} LSTM layers of {model['units']} units (long short-term memory: it reads a "
            "melody one 16th note at a time and its state carries what came before), fed with embeddings of the "
            "symbol, the bar position and the meter, then a softmax over the "
            f"{model.get('vocab_size', len(loaded.vocab.symbols))} symbols: {model['parameters']:,} parameters. "
            f"It trained for {training['epochs_run']} epochs; the validation songs chose when to stop "
            f"({training.get('stop_reason', 'the last epoch')}). Of {data.get('songs_read', '?'):,} songs read, "
            f"{data.get('songs_kept', '?'):,} were kept: the others have note lengths that its 16th-note steps "
            "cannot write."
        )


def tested_ui(loaded, test: dict) -> None:
    """How well it guesses songs it never saw, next to the counting model: plain first, then
    the same figures in nats and bits."""
    mine, counting = test["model"], test["kn5"]
    pitches = sum(1 for symbol in loaded.vocab.symbols if is_pitch(symbol))
    st.subheader("How well it guesses songs it never saw")
    st.write(
        f"On the {test['songs']} songs kept aside, it had to guess each song, 16th note by 16th note. Next to it: "
        "a simple counting model, which counts what followed each run of 4 symbols in the same learning songs."
    )
    st.table(
        {
            "what was measured": [
                "each time a new note began, the chance it gave the right note (on average)",
                "its first guess for the next 16th note was right",
                "the chance it gave what really came next, per 16th note (on average)",
            ],
            "this network": [
                plain.one_in(2 ** mine["pitch_bits_per_note"]),
                percent(mine["accuracy"]),
                percent(math.exp(-mine["nll_per_step"])),
            ],
            "counting model": [
                plain.one_in(2 ** counting["pitch_bits_per_note"]),
                percent(counting["accuracy"]),
                percent(math.exp(-counting["nll_per_step"])),
            ],
        }
    )
    st.write(
        f"Guessing blindly among the {pitches} notes it knows would give the right note a {plain.one_in(pitches)} "
        "chance. Many 16th notes only hold a note on, which is easy to guess: that is why its first guess is so "
        "often right."
    )
    with st.expander("For the curious: the same figures in nats and bits"):
        st.table(
            {
                "figure": list(FIGURE_NAMES.values()),
                "this model": [_shown(k, mine[k]) for k in FIGURE_NAMES],
                "5-gram baseline": [_shown(k, counting[k]) for k in FIGURE_NAMES],
                "in plain words (this model)": [plain_reading(k, mine[k]) for k in FIGURE_NAMES],
            }
        )
        st.caption(
            "The counting model is an interpolated Kneser-Ney 5-gram. A nat and a bit are units of surprise "
            "(cross-entropy): a surprise of s nats is a chance of e^-s, s bits a chance of 2^-s. An average surprise "
            "turned back into a chance is the geometric mean of the chances: that is the 'on average' above "
            f"(2 to the {mine['pitch_bits_per_note']:.3f} bits per note is {2 ** mine['pitch_bits_per_note']:.2f}). "
            "Lower surprise is better."
        )
    with st.expander("For the curious: the learning curve"):
        st.image(
            str(loaded.folder / "loss.png"),
            caption="Cross-entropy per 16th-note step, on the training songs and on the validation songs.",
        )


def meter_ui(report: dict) -> None:
    """Does it keep the meter: the network against a copy not told the meter, and per meter."""
    st.subheader("Does it keep the meter?")
    st.write(
        "The network is told where each 16th note falls in the bar and the song's time signature. A copy that "
        'learned the same way without being told ("meter-blind") guesses the songs it never saw less well:'
    )
    st.table(
        {
            "model": [MODEL_NAMES.get(name, name) for name in report["test"]],
            "chance it gave what came next (per 16th note)": [
                percent(math.exp(-f["nll_per_step"])) for f in report["test"].values()
            ],
            "first guess right": [percent(f["accuracy"]) for f in report["test"].values()],
        }
    )
    with st.expander("For the curious: the same in nats"):
        st.table(
            {
                "model": list(report["test"]),
                "surprise per 16th note (nats)": [round(f["nll_per_step"], 3) for f in report["test"].values()],
                "in plain words": [plain_reading("nll_per_step", f["nll_per_step"]) for f in report["test"].values()],
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


def form_ui(form: dict) -> None:
    """Does it write whole songs: bars asked for, home note, bars and phrases that come back."""
    st.subheader("Does it write whole songs?")
    st.write(
        "The first bar of each song it never saw starts a new song with as many bars as the real one (in a form: "
        "moved to whole phrases). Safest (0) always takes the likeliest note; The model's own taste (1) picks by "
        "its own chances. A real song comes back to its bars and phrases; the last two columns say how often."
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


def style_test(card: dict, style: str, name: str) -> dict:
    """The held-out figures to show for ``style``: its own test songs where the card has them
    per tradition (a style model), else the card's test."""
    row = card.get("traditions", {}).get("table", {}).get(style)
    if not row or name not in row["models"]:
        return card["test"]
    return {"songs": row["models"][name]["songs"], "model": row["models"][name], "kn5": row["kn5"]}


def traditions_ui(report: dict, style: str) -> None:
    """One network told the style, against one network per tradition: what was kept, and why."""
    st.subheader("One network for all, or one per tradition?")
    row = report["table"][style]
    st.write(
        f"On the {row['songs']} {TRADITIONS[style].name} songs kept aside, each network below had to guess each song, "
        "16th note by 16th note (higher is better). The studio uses the marked one for this style."
    )
    names = list(row["models"])
    st.table(
        {
            "network": [
                MODEL_NAMES.get(n, n) + (" (used here)" if report["serves"].get(style) == n else "") for n in names
            ]
            + ["counting model (this tradition's songs)"],
            "chance it gave what came next (per 16th note)": [
                percent(math.exp(-row["models"][n]["nll_per_step"])) for n in names
            ]
            + [percent(math.exp(-row["kn5"]["nll_per_step"]))],
            "chance it gave the right note": [plain.one_in(2 ** row["models"][n]["pitch_bits_per_note"]) for n in names]
            + [plain.one_in(2 ** row["kn5"]["pitch_bits_per_note"])],
        }
    )


def card_ui(loaded, style: str) -> None:
    """The card in plain words; a card with missing figures shows an error, not a traceback."""
    card = loaded.card
    if not card:
        st.warning(f"{loaded.folder} has no model card (card.json).")
        st.stop()
    test = style_test(card, style, loaded.name)
    about_ui(loaded, card, test)
    tested_ui(loaded, test)
    if card.get("traditions") and style in card["traditions"]["table"]:
        traditions_ui(card["traditions"], style)
    if card.get("meter_report"):
        meter_ui(card["meter_report"])
    if card.get("form_report"):
        form_ui(card["form_report"])
    with st.expander("For the curious: the full model card"):
        st.markdown((loaded.folder / "card.md").read_text().replace("![loss](loss.png)", ""))


def _share(value) -> str:
    """A share as a percentage, or "-" where no song had anything to compare."""
    return "-" if value is None else percent(value)


def _shown(figure: str, value: float) -> str:
    return percent(value) if figure == "accuracy" else f"{value:.3f}"


style = (
    st.segmented_control(
        "Style",
        list(TRADITIONS),
        default="german",
        key="model_style",
        format_func=lambda style: TRADITIONS[style].name,
        help="Each tradition's songs are made by the network that guesses them best (see below).",
    )
    or "german"
)
st.caption(TRADITIONS[style].origin)
loaded = model_or_stop(style)
with errors_shown("reading the model card"):
    card_ui(loaded, style)
