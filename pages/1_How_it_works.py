"""How it works, for a school class first: what the network reads, what it predicts, how sure
it is and how it was tested, the network in one picture, a real German song as 16th-note
symbols, how adventurous a melody may be, the chords under a melody and the phrases of a song.
Technical words (LSTM, softmax, embeddings, Viterbi ...) wait in "For the curious" expanders.
UI only."""

from __future__ import annotations

import html
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

FLOW_CSS = """<style>
.flow {display: flex; gap: 0.5rem; align-items: stretch; margin: 0.25rem 0;}
.flow .box {flex: 1 1 0; border: 1px solid rgba(128, 128, 128, 0.45); border-radius: 0.6rem;
  padding: 0.55rem 0.7rem; background: rgba(151, 166, 195, 0.13); font-size: 1rem; line-height: 1.4;}
.flow .box b {display: block; margin-bottom: 0.2rem;}
.flow .arrow {align-self: center; font-size: 1.6rem;}
.flow .down, .flow-again .down {display: none;}
.flow-again {text-align: center; font-size: 1rem; margin: 0.2rem 0 0.5rem;}
@media (max-width: 640px) {
  .flow {flex-direction: column;} .flow .arrow {text-align: center; line-height: 1;}
  .flow .right {display: none;} .flow .down {display: inline;}
}
</style>"""


@st.cache_data(show_spinner=False, max_entries=8)
def opening_chances(_loaded, model_name: str, song) -> tuple[int, list[tuple[str, float]]]:
    """Where the song's fifth note starts (in 16ths) and the model's three likeliest symbols
    there, with their chances: what the network says after the song's first four notes."""
    starts = [event.start for event in song.events()]
    step = starts[min(4, len(starts) - 1)]
    chances = step_probabilities(_loaded, song.with_steps(song.steps[:step]))[step]  # (vocab,)
    labels = symbols_in_key(_loaded, song.key)
    return step, [(plain.symbol_name(labels[i], song.key), float(chances[i])) for i in chances.argsort()[::-1][:3]]


def flow_html(before: list[str], chances: list[tuple[str, float]]) -> str:
    """The network in one picture: four boxes and arrows in HTML, its text at the page's own
    size (1rem) on any screen; side by side on a wide page, one under the other on a phone."""
    arrow = '<div class="arrow"><span class="right">→</span><span class="down">↓</span></div>'
    boxes = [
        ("The notes so far", f"{html.escape(' '.join(before))}<br>one symbol for each 16th note (_ = hold)"),
        ("The network", "reads them one at a time; it remembers the tune so far and knows where in the bar it is"),
        ("A chance for each next symbol", "<br>".join(f"{html.escape(n)}: {plain.percent(p)}" for n, p in chances)),
        ("Pick one", "usually a likely one (the How adventurous slider changes how often), then add it to the notes"),
    ]
    drawn = arrow.join(f'<div class="box"><b>{i}. {title}</b>{text}</div>' for i, (title, text) in enumerate(boxes, 1))
    again = "↺ and again, one 16th note at a time, until the song has all its bars"
    return f'{FLOW_CSS}<div class="flow">{drawn}</div><p class="flow-again">{again}</p>'


def summary_ui(loaded, example, step: int, chances: list[tuple[str, float]]) -> None:
    """The page in four points: what the network reads, predicts, how sure it is, how it was tested."""
    song, card = example.melody, loaded.card or {}
    notes = ", ".join(note_name(e.pitch, song.key) for e in song.events() if e.start < step and e.pitch is not None)
    songs = card.get("data", {}).get("songs_kept")
    learned = f"{songs:,} German folk songs" if songs else "German folk songs"
    (top, chance), *others = chances
    points = [
        "**What it reads:** the notes of the melody so far, one symbol for each 16th note (four of them make "
        "a quarter note): a note such as G4, `_` to hold the note one more 16th, or `r` for a rest.",
        f"**What it predicts:** the chance of each symbol that could come next. After {notes} at the start of "
        f"*{escaped(example.name)}* it gives {top} {plain.percent(chance)}, "
        + " and ".join(f"{n} {plain.percent(p)}" for n, p in others)
        + ". Then one is picked, added to the melody, and it goes on, one 16th note at a time.",
        f"**How sure it is:** the bigger its top chance, the surer it is: here it is {plain.sureness(chance)} "
        f"({top} {plain.percent(chance)}). Where several symbols get similar chances it is unsure, and the melody "
        "could go several ways (section 3 shows any step of your own melody).",
    ]
    test, vocabulary = card.get("test", {}), loaded.vocab.symbols
    if "pitch_bits_per_note" in test.get("model", {}):
        pitches = sum(1 for symbol in vocabulary if is_pitch(symbol))
        points.append(
            f"**How it was tested:** {test['songs']} songs were kept aside and never shown to it while it learned. "
            "On those songs, each time a new note began, it had given the right note a "
            f"**{plain.one_in(2 ** test['model']['pitch_bits_per_note'])} chance** on average; guessing blindly "
            f"among the {pitches} notes it knows would be 1 in {pitches}. More on the page *The model*."
        )
    st.write(
        f"The melodies of this studio come from a **neural network**: a computer program that learned music only "
        f"from examples, {learned}. Nobody told it any rules of music."
    )
    st.markdown("\n".join(f"- {point}" for point in points))


def inside_ui(loaded) -> None:
    """The network's layers, for the curious, from its own config and card."""
    config, card = loaded.config, loaded.card or {}
    where = "where the next step falls in the bar" + (" and how many bars are left" if config.to_go_bars else "")
    layers = f"{config.layers} LSTM layers" if config.layers > 1 else "one LSTM layer"
    size = f" It has {card['model']['parameters']:,} numbers (parameters) in all." if "model" in card else ""
    with st.expander("For the curious: inside the network"):
        st.markdown(
            f"- **Inputs.** At each step it reads the symbol (one of {config.vocab_size}), {where}, and the meter. "
            f"Each becomes a short list of learned numbers, an *embedding* ({config.symbol_dim}, "
            f"{config.position_dim} and {config.meter_dim} numbers), joined into one.\n"
            f"- **Memory.** {layers} (long short-term memory) of {config.units} units: a recurrent network whose "
            "state carries the melody so far from one step to the next.\n"
            f"- **Output.** One score per symbol; a *softmax* turns the {config.vocab_size} scores into chances "
            "that add up to 100%.\n"
            "- **Learning.** It was trained to predict every next step of the training songs, lowering the "
            f"cross-entropy: the surprise, in nats, at what really came next.{size}\n"
            "- **Generating.** The symbol drawn is fed back in as the next input, and the state is carried over, "
            "so each new step costs one pass through the network."
        )


st.set_page_config(page_title="How it works · Folk Melody Studio", page_icon="🎻", layout="centered")
st.title("How it works")
loaded = model_or_stop()
example = demo_songs()[0]  # a German song of music21's Essen sets, in C/Am, with its origin
song = example.melody
titled = song.replace(title=example.name)

with errors_shown("explaining the network"):
    step, chances = opening_chances(loaded, str(loaded.folder), song)
    summary_ui(loaded, example, step, chances)
    st.header("1. The network in one picture")
    before = ["_" if s == "_" else plain.symbol_name(s, song.key) for s in song.steps[:step]]
    st.html(flow_html(before, chances))
    inside_ui(loaded)

st.header("2. A melody as a row of 16th notes")
with errors_shown("drawing the example song"):
    st.write(
        f"**{escaped(example.name)}**, a folk song from {example.origin}, in {song.meter} time. The network "
        "reads it as a row of symbols, one for each 16th note: a number starts a note (60 is middle C, 62 the D "
        "above it, one number for each key of a piano), `_` holds the note one more 16th, `r` starts a rest. "
        "Every song was moved to C major or A minor first, so that all of them are in the same key."
    )
    score_ui(score_svg(titled, score_width()), "example")
    st.code(" ".join(song.steps[:64]) + " ...", language=None)
    st.caption(f"The same start in notes: {plain.notes_in_words(song.with_steps(song.steps[:64]), 16)}.")
    with st.expander("For the curious: where the song and the numbers come from"):
        st.write(
            f"The song is tune {example.source} of music21's copy of the Essen Folksong Collection "
            "(essenFolksong). The numbers are MIDI note numbers: 60 is C4, and each step of 1 is a semitone."
        )

st.header("3. How sure it is, and how adventurous")
with errors_shown("drawing the next-symbol chart"):
    melodies = session().result.melodies if session().result else None
    melody = melodies[0] if melodies else parse_seed(EXAMPLE)
    st.caption(
        "The melody you generated last on the Studio page."
        if melodies
        else "The example seed; generate a melody on the Studio page to use yours."
    )
    step = st.slider("Step of the melody (16th notes)", 1, len(melody), min(len(melody), 16), key="step")
    whole = bool(melodies)  # a song generated to its length, as the model was told
    own = step_probabilities(loaded, melody, whole)[step - 1]
    labels = symbols_in_key(loaded, melody.key)  # the model works in C major / A minor; show the melody's key
    likeliest = int(own.argmax())
    st.write(
        f"Here the network is **{plain.sureness(float(own[likeliest]))}**: its likeliest next symbol, "
        f"{escaped(plain.symbol_name(labels[likeliest], melody.key))}, gets {plain.percent(float(own[likeliest]))}. "
        "**How adventurous** changes the chances it picks from: the safest setting always takes the likeliest; "
        "a bolder one gives rarer notes more of a chance."
    )
    temperature = st.slider("How adventurous", 0.0, 2.0, 1.0, 0.05, key="how_temperature")
    st.caption(f"{plain.temperature_label(temperature)}.")
    probabilities = apply_temperature(own, temperature)
    shown = probabilities.argsort()[::-1][:12]
    before = " ".join(plain.symbol_name(s, melody.key) for s in melody.steps[max(0, step - 8) : step - 1])
    # escaped: the hold symbol's "_" would otherwise start italics ("hold (_) E4 hold (_)")
    st.write(f"After *{escaped(before or '(the start)', 200)}*, the next 16th could be (chance in %):")
    st.bar_chart(
        {
            "next": [plain.symbol_name(labels[i], melody.key) for i in shown],
            "chance (%)": [round(100 * float(probabilities[i]), 1) for i in shown],
        },
        x="next",
        y="chance (%)",
        sort=False,
    )
    st.caption(
        "Safest (0) always takes the tallest bar; 1 uses the network's own chances; "
        "higher values flatten the bars, so rarer notes come up more often."
    )
    with st.expander("For the curious: the temperature"):
        st.write(
            "How adventurous is the sampling *temperature* T. Each chance p becomes p to the power 1/T (its "
            "logarithm divided by T), and all are scaled again to add up to 100%. T = 1 keeps the network's own "
            "chances (its softmax output); below 1 sharpens them, down to always the likeliest at T = 0; above 1 "
            "flattens them."
        )

st.header("4. Chords under the melody")
with errors_shown("choosing chords for the example song"):
    card = json.loads((harmony.DEFAULT_FOLDER / "card.json").read_text())
    test, tunes = card["test"], card["data"]["split"]
    st.write(
        f"A second, smaller network chooses the chords. It learned from {tunes['train']} folk dance tunes that "
        "have chords written above them (jigs, reels, hornpipes and waltzes of the Nottingham Music Database). "
        "For every beat it looks at which notes sound there and for how long, where the beat is in the bar, and "
        "the whole melody before and after it, so a chord can fit the notes that follow. Then it picks the best "
        "row of chords: chords change mostly where a bar or half bar starts, and the song ends on its home chord, "
        "as folk songs do."
    )
    st.write(
        f"On {test['tunes']} tunes it never saw, its chord matched the one the tune's editor wrote on "
        f"**{plain.percent(test['model']['accuracy'])}** of the beats. A simple rule (per half bar, the common "
        f"chord that covers most of the melody) matches {plain.percent(test['rule']['accuracy'])}, and always "
        f"playing the home chord {plain.percent(test['tonic']['accuracy'])}."
    )
    harmonized = chords_or_none(titled)  # the song of section 2
    score_ui(score_svg(harmonized, score_width()), "chords")
    st.caption(f"{escaped(example.name)} with the network's chords, bar by bar: {plain.chords_in_words(harmonized)}.")
    st.caption(
        "A guitar plays them under the melody: bass and chord in a pattern for the meter (oom-pah in 2/4, "
        "oom-pah-pah in 3/4, a broken chord in 6/8). The Chords switch on the Studio page turns them off."
    )
    with st.expander("For the curious: how the chords are chosen"):
        st.write(
            "The chord network is a *bidirectional LSTM*: one LSTM reads the beats forwards, another backwards, "
            "and both feed each beat's chord scores. It reads, per beat, the notes counted from the key's home "
            "note (the tonic) and how long each sounds, the beat's place in the bar and in the phrase, and how far "
            "the end is. A *Viterbi* search then takes the row of chords with the best total score: at most one "
            "change a beat, cheaper at a bar line or half bar, and the tonic chord at the end."
        )

st.header("5. Songs that come back to their phrases")
with errors_shown("marking the phrases of a real song"):
    tune = next((d for d in demo_songs() if forms.marked(d.melody, 4).form == "AABA"), demo_songs()[0])
    shown_form = forms.marked(tune.melody, 4)
    st.write(
        f"A folk song sings a phrase and comes back to it, so that people can sing it back after one hearing. "
        f"**{escaped(tune.name)}** ({tune.origin}) has {len(shown_form.phrases)} phrases of 4 bars: "
        f"**{' '.join(shown_form.form)}**. The first phrase (A) is sung twice, a new one (B) follows, "
        "and A comes back to close the song."
    )
    score_ui(score_svg(shown_form.replace(title=tune.name), score_width()), "form")
    st.write(
        "The Studio's **Form** menu asks the network for such a song: a letter that comes back is sung again as a "
        "variation of its first phrase, a new letter brings something new, and the song ends on its home note. "
        "**Free** leaves the form to the network."
    )
    with st.expander("For the curious: how a form is sung"):
        st.write(
            "The bars are split into equal phrases, sung in order with the network's memory carried through. A "
            "letter that returns is pulled towards the notes it sang the first time (less strongly the more "
            "adventurous you ask it to be); a new letter is chosen among eight tries as the one that repeats least "
            "of what came before; a phrase before a return ends on the dominant (a half cadence), and the song on "
            "the tonic. The network itself also sees what sounded one and two bars before each note, and whether "
            "the last bar repeated the one before it, so it can hear what it sang."
        )
