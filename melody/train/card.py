"""The model card: what a model was trained on, how long, and how well it predicts.

`finish_model_folder` writes a complete model folder (model, config, vocabulary, the
training songs for the n-gram baseline, ``card.json``, ``card.md``, ``loss.png``) beside
the target and swaps it in, so an interrupted run never leaves half a folder.

    >>> card = finish_model_folder("models/essen-lstm", outcome, vocab, splits, "data", {})  # doctest: +SKIP
"""

from __future__ import annotations

import datetime
import gzip
import json
import pathlib

from melody.core.melody import Melody
from melody.core.storage import atomic_write_bytes, atomic_write_json, atomic_write_text, replace_folder, staging_folder
from melody.net.folder import load_model_folder
from melody.net.vocabulary import Vocabulary, symbols_text
from melody.train.evaluation import score_model, score_ngram
from melody.train.keras_model import save_model_folder
from melody.train.ngram import KneserNey

NGRAM_ORDER = 5
NGRAM_SONGS_FILE = "ngram_train.txt.gz"  # the training split, one song per line, for KN-5


def write_ngram_songs(folder: pathlib.Path, songs: list[Melody]) -> None:
    """Save the training songs (symbols only) so evaluate.py can fit the same KN-5; songs of
    several traditions are also saved per tradition (``ngram_train.<style>.txt.gz``), for the
    KN-5 of each."""
    styles = {m.style for m in songs}
    for style in sorted(styles) if len(styles) > 1 else []:
        _write_songs(folder / _ngram_file(style), [m for m in songs if m.style == style])
    _write_songs(folder / NGRAM_SONGS_FILE, songs)


def _ngram_file(style: str) -> str:
    return NGRAM_SONGS_FILE.replace(".txt", f".{style}.txt") if style else NGRAM_SONGS_FILE


def _write_songs(path: pathlib.Path, songs: list[Melody]) -> None:
    text = "\n".join(symbols_text(m) for m in songs) + "\n"
    atomic_write_bytes(path, gzip.compress(text.encode(), mtime=0))


def read_ngram_songs(folder: pathlib.Path, style: str = "") -> list[tuple[str, ...]] | None:
    """The training songs saved by `write_ngram_songs` (``style``: of that tradition, where the
    model learned several), or None if the folder has none."""
    path = pathlib.Path(folder) / _ngram_file(style)
    if style and not path.is_file():  # a model of one tradition: all its songs
        path = pathlib.Path(folder) / NGRAM_SONGS_FILE
    if not path.is_file():
        return None
    return [tuple(line.split()) for line in gzip.decompress(path.read_bytes()).decode().splitlines() if line]


def fit_ngram(songs, vocab: Vocabulary) -> KneserNey:
    return KneserNey.fit([s.steps if isinstance(s, Melody) else s for s in songs], vocab.symbols, NGRAM_ORDER)


def finish_model_folder(out, outcome, vocab: Vocabulary, splits: dict, data_folder, train_config: dict) -> dict:
    """Write the whole model folder for a training outcome; returns the card."""
    out = pathlib.Path(out)
    staging = staging_folder(out)
    save_model_folder(staging, outcome.keras_model, outcome.model_config, vocab)
    write_ngram_songs(staging, splits["train"])
    loaded = load_model_folder(staging)  # score what was saved, not what is in memory
    ngram = fit_ngram(splits["train"], vocab)
    summary_path = pathlib.Path(data_folder) / "summary.json"
    state = outcome.state
    card = {
        "name": out.name,
        "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "data": json.loads(summary_path.read_text()) if summary_path.is_file() else {},
        "vocabulary": {"symbols": len(vocab), "pitch_range": list(vocab.pitch_range), "meters": list(vocab.meters)},
        "model": {**vars(outcome.model_config), "parameters": int(outcome.keras_model.count_params())},
        "training": {
            **train_config,
            "epochs_run": state["epoch"],
            "best_epoch": state["best_epoch"],
            "best_val_loss": state["best_val_loss"],
            "wall_minutes": round(state["seconds"] / 60, 2),
            "stop_reason": state.get("stop_reason"),
            "started_from": state.get("started_from", {}).get("model"),
            "matmul_dtype": state.get("matmul_dtype", "float32"),
            "train_targets_per_epoch": outcome.train_targets,
            "targets_per_second": round(outcome.train_targets * state["epoch"] / max(state["seconds"], 1e-9)),
        },
        "test": {
            "songs": len(splits["test"]),
            "model": score_model(loaded, splits["test"]),
            "kn5": score_ngram(ngram, vocab, splits["test"]),
        },
        "history": state["history"],
    }
    atomic_write_json(staging / "card.json", card)
    atomic_write_text(staging / "card.md", card_markdown(card))
    plot_history(state["history"], staging / "loss.png")
    replace_folder(staging, out)
    return card


def plot_history(history: list[dict], path: pathlib.Path) -> None:
    """Training and validation loss per epoch, as a small PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 3.5), dpi=100)
    epochs = [h["epoch"] for h in history]
    axis.plot(epochs, [h["loss"] for h in history], label="training")
    axis.plot(epochs, [h["val_loss"] for h in history], label="validation")
    axis.set_xlabel("epoch")
    axis.set_ylabel("loss (nats per step)")
    axis.set_title("Cross-entropy per 16th-note step")
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def add_meter_report(folder, report: dict, name: str = "meter_report") -> dict:
    """Put a `scripts/meter_report.py` (or, ``name="form_report"``, `scripts/form_report.py`;
    ``"traditions"``, `scripts/traditions_models.py`) report into a model folder's card (JSON
    and Markdown)."""
    folder = pathlib.Path(folder)
    card = json.loads((folder / "card.json").read_text())
    card[name] = report
    atomic_write_json(folder / "card.json", card)
    atomic_write_text(folder / "card.md", card_markdown(card))
    return card


def meter_markdown(report: dict) -> str:
    """The meter report as Markdown tables (see `add_meter_report`)."""
    from melody.songs.meter_figures import FIGURES

    test = "\n".join(
        f"| {name} | {f['nll_per_step']:.3f} | {f['pitch_bits_per_note']:.3f} | {f['accuracy']:.3f} |"
        for name, f in report["test"].items()
    )
    header = "| meter | melodies from | " + " | ".join(n.replace("_", " ") for n in FIGURES) + " |"
    rows = [header, "|" + "---|" * (len(FIGURES) + 2)]
    for meter, sources in report["meters"].items():
        for source, figures in sources.items():
            rows.append(f"| {meter} | {source} | " + " | ".join(_share(figures, n) for n in FIGURES) + " |")
    table = "\n".join(rows)
    return f"""
## Meter-aware vs meter-blind (held-out test songs)
The meter-blind model has the same network and training but is not told the bar position
or the meter (`--position-dim 0 --meter-dim 0`).

| model | NLL per step | pitch bits per note | accuracy |
|---|---|---|---|
{test}

## Generated melodies per meter
{report["per_meter"]} melodies per meter and model at temperature {report["temperature"]:g}, each seeded with
the pickup and first bar of a test song of that meter and continued to its end symbol; only
the generated notes count. The test songs themselves are the reference.

{table}
"""


def _share(figures: dict, name: str) -> str:
    # "-": a card written before the figure existed, or no song with two units to compare
    return f"{figures[name]:.3f}" if figures.get(name) is not None else "-"


FORM_FIGURES = ("exact_bars", "ends_on_tonic", "repeated_bars", "notes_in_scale", "strong_beat_onsets")
FORM_FIGURES += ("bars_repeating_earlier", "phrases4_agreeing", "units2_same", "units2_agreeing")  # songs/phrases.py


def form_markdown(report: dict) -> str:
    """A `scripts/form_report.py` report as a Markdown table."""
    rows = ["| meter | songs from | " + " | ".join(n.replace("_", " ") for n in FORM_FIGURES) + " |"]
    rows.append("|" + "---|" * (len(FORM_FIGURES) + 2))
    for meter, sources in report["meters"].items():
        for source, figures in sources.items():
            rows.append(f"| {meter} | {source} | " + " | ".join(_share(figures, n) for n in FORM_FIGURES) + " |")
    table = "\n".join(rows)
    return f"""
## Songs of N bars
Up to {report["per_meter"]} held-out test songs per meter give a seed (pickup and first bar) and a length (their
own bars); each is continued to a song of exactly that many bars (`generate(..., bars=N)`).

{table}
"""


def _data_sentence(data: dict) -> str:
    """Where the songs come from: the German Essen songs, or (a --style dataset) each tradition's
    count and where its songs come from (`melody.songs.traditions`)."""
    from melody.songs.traditions import TRADITIONS

    styles = data.get("styles")
    if not styles:
        return "German songs of the Essen Folksong Collection as bundled with music21 (ABC)."
    known = {style: TRADITIONS[style] for style in styles if style in TRADITIONS}
    counts = " ".join(f"{t.name}: {styles[style]:,} kept. {t.origin}" for style, t in known.items())
    rounded = ", ".join(t.name for t in known.values() if t.triplets_rounded)
    several = f"Songs of {len(styles)} traditions, each marked with its style" if len(styles) > 1 else "One tradition"
    triplets = f" Triplets rounded to the 16th grid ({rounded})." if rounded else ""
    return f"{several}. {counts}{triplets} Each tradition split as if alone."


def traditions_markdown(report: dict) -> str:
    """The per-tradition table (`scripts/traditions_models.py`) as a Markdown section."""
    from melody.train.traditions_eval import table_markdown

    return (
        "\n## Per tradition (held-out test songs of each)\n"
        "Each model on each tradition's test songs (a model told the style is told it), next to the\n"
        "Kneser-Ney 5-gram of that tradition's own training songs.\n\n"
        + table_markdown(report["table"], report["serves"])
    )


def _style_sentence(model: dict, training: dict) -> str:
    """A style model: told the tradition at every step; and where its training started."""
    told = (
        f" Told the song's tradition at every step: an embedding of the style ({model['style_dim']}, "
        f"{model['n_styles']} styles) joins its inputs."
        if model.get("style_dim")
        else ""
    )
    start = training.get("started_from")
    return told + (f" Its training started from the weights of {start} (new inputs at zero)." if start else "")


def _meter_sentence(model: dict) -> str:
    told = [
        name
        for name, dim in (("where each step falls in the bar", "position_dim"), ("the meter", "meter_dim"))
        if model.get(dim, 1)
    ]
    if len(told) == 2:
        return f"Meter-aware: it is told {told[0]} and {told[1]}."
    if told:
        return f"Partly meter-aware: it is told {told[0]} only."
    return "Meter-blind: it is told neither the bar position nor the meter."


def _to_go_sentence(model: dict) -> str:
    if not model.get("to_go_bars"):
        return ""
    return (
        f" Where a song's length is known it is also told how many bars are left (up to {model['to_go_bars']}), "
        "in the bar-position input; trained with a share of songs untold, so it also works without."
    )


def _lookback_sentence(model: dict) -> str:
    if not model.get("lookback"):
        return ""
    return (
        " Lookback (as Magenta's Lookback RNN): it also reads the symbols one and two bars before the next step "
        "(through the same symbol embedding) and whether the last bar repeated the one before."
    )


def card_markdown(card: dict) -> str:
    """The card as Markdown for people."""
    data, training, model, test = card["data"], card["training"], card["model"], card["test"]
    rows = "\n".join(
        f"| {name} | {test['model'][key]:.3f} | {test['kn5'][key]:.3f} |"
        for name, key in (
            ("NLL per step (nats)", "nll_per_step"),
            ("NLL per event (nats)", "nll_per_event"),
            ("pitch bits per note", "pitch_bits_per_note"),
            ("accuracy", "accuracy"),
        )
    )
    low, high = card["vocabulary"]["pitch_range"]
    skipped = ", ".join(f"{k}: {v}" for k, v in data.get("skipped", {}).items()) or "none"
    return f"""# Model card: {card["name"]}

Created {card["created"]}.

## Data
{_data_sentence(data)} Read
{data.get("songs_read", "?")} songs, kept {data.get("songs_kept", "?")}; skipped {skipped}.
All transposed to C major / A minor. Split by song (fixed seed): {data.get("split_songs", {})}.
Vocabulary: {card["vocabulary"]["symbols"]} symbols, MIDI {low}-{high}.

## Model
Embeddings of the symbol ({model["symbol_dim"]}), the next step's bar position ({model["position_dim"]})
and the meter ({model["meter_dim"]}) -> {model["layers"]} x LSTM({model["units"]}) -> Dropout({model["dropout"]})
-> Dense softmax over the symbols. {_meter_sentence(model)}{_to_go_sentence(model)}{_lookback_sentence(model)}\
{_style_sentence(model, training)}
{model["parameters"]:,} parameters. Adam, learning rate {model["learning_rate"]}
(halved after {training.get("lr_patience", "?")} epochs without a better validation loss), gradients clipped to norm
{model.get("clipnorm", "none")}.

## Training
Every step of every song is a target (many-to-many): {training.get("batch_size")} rows of songs, laid back to back,
read {training.get("chunk")} steps at a time, the LSTM state carried within each song and zeroed at the step where a
song starts; the LSTM's matrix products in {training.get("matmul_dtype", "float32")} (state and weights float32).
{training["epochs_run"]} epochs in {training["wall_minutes"]:.1f} min ({training["stop_reason"]}); best
validation loss {training["best_val_loss"]:.4f} at epoch {training["best_epoch"]}; {training["targets_per_second"]:,}
targets per second. ![loss](loss.png)

## Held-out test songs ({test["songs"]})
| figure | this model | Kneser-Ney 5-gram |
|---|---|---|
{rows}
{traditions_markdown(card["traditions"]) if "traditions" in card else ""}\
{meter_markdown(card["meter_report"]) if "meter_report" in card else ""}\
{form_markdown(card["form_report"]) if "form_report" in card else ""}"""
