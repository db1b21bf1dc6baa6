"""How it works: the 16th-note encoding on a real German song, the network in one picture,
what the temperature does to the model's next-symbol distribution, how the chords under
a melody are chosen, and how a song comes back to its phrases. UI only."""

from __future__ import annotations

import json

import streamlit as st

from melody.chords import model as harmony
from melody.core.melody import is_pitch
from melody.core.pitch import note_name
from melody.core.safe_text import shown as escaped
from melody.generate import forms
from melody.generate.sampling import apply_temperature
from melody.generate.surprise import step_probabilities, symbols_in_key
from melody.songs.typed import EXAMPLE, parse_seed
from melody.studio import plain_words as plain
from melody.studio.ready_seeds import demo_songs
from studio import chords_or_none, errors_shown, model_or_stop, score_svg, score_ui, score_width, session


def network_graph(config) -> str:
    """The network in one picture (Graphviz), from the model's own config."""
    where = "where the next step\\nfalls in the bar" + ("\\nand how many bars are left" if config.to_go_bars else "")
    layers = f"{config.layers} x LSTM" if config.layers > 1 else "LSTM"
    return f"""digraph {{
  rankdir=LR; node [shape=box, style=rounded, fontname=Helvetica];
  symbol [label="this 16th note\\n(G4 = 67, hold _, rest r)"]; position [label="{where}"];
  meter [label="meter\\n(3/4, 6/8 ...)"];
  embed [label="embeddings\\n{config.symbol_dim} + {config.position_dim} + {config.meter_dim}"];
  lstm [label="{layers}, {config.units} units\\n(remembers the melody so far)"];
  softmax [label="softmax over\\n{config.vocab_size} symbols"]; next [label="next symbol"];
  symbol -> embed; position -> embed; meter -> embed; embed -> lstm; lstm -> softmax -> next;
  lstm -> lstm [label="state, step to step"]; next -> symbol [style=dashed, label="fed back when generating"];
}}"""


def symbol_words(symbol: str, key: str) -> str:
    """A symbol of the model in words: ``"67"`` -> ``"G4"``, ``"_"`` -> ``"hold (_)"``."""
    if is_pitch(symbol):
        return note_name(int(symbol), key)
    return {"_": "hold (_)", "r": "rest (r)", "/": "end of song (/)"}.get(symbol, symbol)


st.set_page_config(page_title="How it works · Folk Melody Studio", page_icon="🎻", layout="centered")
st.title("How it works")
loaded = model_or_stop()

st.header("1. A melody as a row of 16th notes")
with errors_shown("drawing the example song"):
    example = demo_songs()[0]  # a German song of music21's Essen sets, in C/Am, with its origin
    song = example.melody
    st.write(
        f"**{example.name}**, a folk song from {example.origin} (the Essen collection; music21's file "
        f"{example.source}), in {song.meter}. The model reads it as a row of steps, one per 16th note: "
        "a number starts a note (its MIDI number: 60 is middle C, C4), `_` holds what sounds one more 16th, "
        "`r` starts a rest. Songs are moved to C major or A minor before training."
    )
    titled = song.replace(title=example.name)
    score_ui(score_svg(titled, score_width()), "example")
    st.code(" ".join(song.steps[:64]) + " ...", language=None)
    st.caption(f"The same start in notes: {plain.notes_in_words(song.with_steps(song.steps[:64]), 16)}.")

st.header("2. The network in one picture")
st.graphviz_chart(network_graph(loaded.config))
st.write(
    "At every step the network reads the current symbol, where in the bar the next step falls and the meter, "
    "updates its memory (the LSTM state) and gives a probability to each possible next symbol. Training asks it "
    "to predict every step of thousands of songs; generating feeds its own choice back in, one step at a time."
)

st.header("3. How adventurous: the temperature")
with errors_shown("drawing the next-symbol chart"):
    melodies = session().result.melodies if session().result else None
    melody = melodies[0] if melodies else parse_seed(EXAMPLE)
    st.caption(
        "The melody you generated last on the Studio page."
        if melodies
        else "The example seed; generate a melody on the Studio page to use yours."
    )
    step = st.slider("Step of the melody (16th notes)", 1, len(melody), min(len(melody), 16), key="step")
    temperature = st.slider("How adventurous (the temperature)", 0.0, 2.0, 1.0, 0.05, key="how_temperature")
    st.caption(f"{plain.temperature_label(temperature)}.")
    whole = bool(melodies)  # a song generated to its length, as the model was told
    probabilities = apply_temperature(step_probabilities(loaded, melody, whole)[step - 1], temperature)
    shown = probabilities.argsort()[::-1][:12]
    labels = symbols_in_key(loaded, melody.key)  # the model works in C major / A minor; show the melody's key
    before = " ".join(symbol_words(s, melody.key) for s in melody.steps[max(0, step - 8) : step - 1])
    # escaped: the hold symbol's "_" would otherwise start italics ("hold (_) E4 hold (_)")
    st.write(f"After *{escaped(before or '(the start)', 200)}*, the next 16th could be (chance in %):")
    st.bar_chart(
        {
            "next": [symbol_words(labels[i], melody.key) for i in shown],
            "chance (%)": [round(100 * float(probabilities[i]), 1) for i in shown],
        },
        x="next",
        y="chance (%)",
        sort=False,
    )
    st.caption(
        "Safest (temperature 0) always takes the tallest bar; 1 uses the model's own odds; "
        "higher values flatten the bars, so rarer notes come up more often."
    )

st.header("4. Chords under the melody")
with errors_shown("choosing chords for the example song"):
    card = json.loads((harmony.DEFAULT_FOLDER / "card.json").read_text())
    test, tunes = card["test"], card["data"]["split"]
    st.write(
        f"A second, smaller network chooses the chords. It learned from {tunes['train']} folk dance tunes of "
        "the Nottingham Music Database that carry chord symbols (jigs, reels, hornpipes, waltzes). For every beat "
        "it reads which notes sound there (counted from the key's home note), how long, where the beat falls "
        "in the bar and in the phrase, and how far the end is. It reads the whole melody forwards and backwards "
        "(a bidirectional LSTM), so a chord can depend on the notes that follow it. Then a search (Viterbi) "
        "takes the best row of chords: at most one change a beat, cheaper at a bar line or half bar, and the "
        "home chord (the tonic) at the end, as folk tunes close."
    )
    st.write(
        f"On {test['tunes']} tunes it never saw, its chord matched the one the tune's editor wrote on "
        f"**{plain.percent(test['model']['accuracy'])}** of the beats. A simple rule (per half bar, the common "
        f"chord that covers most of the melody) matches {plain.percent(test['rule']['accuracy'])}, and always "
        f"playing the home chord {plain.percent(test['tonic']['accuracy'])}."
    )
    harmonized = chords_or_none(titled)  # the song of section 1
    score_ui(score_svg(harmonized, score_width()), "chords")
    st.caption(f"{example.name} with the network's chords, bar by bar: {plain.chords_in_words(harmonized)}.")
    st.caption(
        "A guitar plays them under the melody: bass and chord in a pattern for the meter (oom-pah in 2/4, "
        "oom-pah-pah in 3/4, a broken chord in 6/8). The Chords switch on the Studio page turns them off."
    )

st.header("5. Songs that come back to their phrases")
with errors_shown("marking the phrases of a real song"):
    tune = next((d for d in demo_songs() if forms.marked(d.melody, 4).form == "AABA"), demo_songs()[0])
    shown_form = forms.marked(tune.melody, 4)
    st.write(
        f"A folk song states a phrase and comes back to it, so that people can sing it back after one hearing. "
        f"**{tune.name}** ({tune.origin}) has {len(shown_form.phrases)} phrases of 4 bars: "
        f"**{' '.join(shown_form.form)}**. The first phrase (A) is sung twice, a new one (B) follows, "
        "and A comes back to close the song."
    )
    score_ui(score_svg(shown_form.replace(title=tune.name), score_width()), "form")
    st.write(
        "The Studio's **Form** menu asks the network for such a song. The bars are split into equal phrases, "
        "sung in order with the network's memory carried through: a letter that returns is sung again as a "
        "variation of its first phrase (the network is pulled towards the notes it sang there, less strongly "
        "the more adventurous you ask it to be), a new letter is chosen among eight tries as the one that "
        "repeats least of what came before, a phrase before a return ends on the dominant (a half cadence), "
        "and the song ends on its home note. **Free** leaves the form to the network. The network itself also "
        "sees what sounded one and two bars before each note, and whether the last bar repeated the one "
        "before it, so it can hear what it sang."
    )
