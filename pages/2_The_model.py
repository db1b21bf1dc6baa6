"""The model: its card in plain language (data, size, training time, loss curve, held-out
figures next to the n-gram baseline). UI only."""

from __future__ import annotations

import streamlit as st

from studio import errors_shown, model_or_stop

st.set_page_config(page_title="The model · Folk Melody Studio", page_icon="🎻")
st.title("The model")


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
        f"It has **{model['parameters']:,} numbers** to learn (an LSTM of {model['units']} units) and trained for "
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
        "accuracy": "share of steps where its first guess is right",
    }
    st.table(
        {
            "figure": list(names.values()),
            "this model": [round(test["model"][k], 3) for k in names],
            "5-gram baseline": [round(test["kn5"][k], 3) for k in names],
        }
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
                "model": list(report["test"]),
                "surprise per 16th note (nats)": [round(f["nll_per_step"], 3) for f in report["test"].values()],
                "bits to guess each next pitch": [round(f["pitch_bits_per_note"], 3) for f in report["test"].values()],
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
                "melodies from": list(rows),
                **{label: [round(rows[r][k], 2) for r in rows] for k, label in labels.items()},
            }
        )
    form = card.get("form_report")
    if form:
        st.subheader("Does it write whole songs?")
        st.write(
            "Each held-out song's first bar starts a new song of the same number of bars as the real one. "
            "Temperature 0 is the likeliest song; 1 samples the model's own odds."
        )
        meter = st.selectbox("Time signature ", list(form["meters"]), key="form_meter")
        rows = form["meters"][meter]
        labels = {
            "exact_bars": "has the bars asked for, ending on the last barline",
            "ends_on_tonic": "ends on the home note",
            "repeated_bars": "bars that only repeat the bar before",
        }
        st.table(
            {"songs from": list(rows), **{label: [f"{rows[r][k]:.0%}" for r in rows] for k, label in labels.items()}}
        )
    with st.expander("The full card"):
        st.markdown((loaded.folder / "card.md").read_text().replace("![loss](loss.png)", ""))


loaded = model_or_stop()
with errors_shown("reading the model card"):
    card_ui(loaded)
