"""The chord model's folder and card (the melody model's card is `melody.train.card`).

`train_and_write` trains the network (`melody.train.chords`), saves it with its config, split
and HMM baseline beside the target folder, tunes the decoder's change costs on the validation
tunes, scores the model and the baselines on validation and test, writes ``card.json`` and
``card.md`` and swaps the whole folder in, so an interrupted run never leaves half a folder.
`add_generated_report` adds how the model harmonises melodies of the melody model (seeded
per meter by the Essen test songs, `melody.train.reports`). Progress is shown through the
callables passed in (scripts/train_harmony.py gives tqdm bars).

    >>> card = train_and_write(pathlib.Path("models/nottingham-chords"), tunes, split, config, stats)  # doctest: +SKIP
    >>> card = add_generated_report(pathlib.Path("models/nottingham-chords"), "data")                  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import pathlib
import time
from collections.abc import Callable, Iterable

import numpy as np

from melody.chords import baselines
from melody.chords import model as harmony
from melody.chords.model import HarmonyConfig, chord_class, tonic_class
from melody.core.machine import cpu_name, timed
from melody.core.melody import Melody
from melody.core.storage import atomic_write_json, atomic_write_text, replace_folder, staging_folder

Progress = Callable[[Iterable, str], Iterable]  # (items, what is being done) -> the same items, e.g. in a bar

METHOD_LABELS = {
    "model": "**this model**",
    "rule": "diatonic rule (per half bar)",
    "hmm": "HMM (48 key-relative triads)",
    "tonic": "always the tonic triad",
    "oracle": "oracle: best one chord per half bar",
    "human": "the human chords",
}


def train_and_write(
    out: pathlib.Path,
    tunes: dict[str, list[Melody]],
    split: dict,
    config: HarmonyConfig,
    stats,
    on_epoch: Callable[[int, dict], None] | None = None,
    progress: Progress | None = None,
) -> dict:
    """Train, tune the decoder, score, and swap the whole folder ``out`` in; returns the card.

    ``tunes``: train, validation and test melodies with their human chords; ``split``: what
    ``split.json`` records (the seed and the tune sources); ``stats``: the
    `melody.chords.data.CorpusStats` of reading them. ``on_epoch(epoch, logs)`` follows the
    training, ``progress(tunes, "scoring test")`` the scoring."""
    from melody.train.chords import train_network  # Keras: only when training

    out = pathlib.Path(out)
    started = time.perf_counter()
    network, history = train_network(tunes["train"], tunes["validation"], config, on_epoch)
    minutes = (time.perf_counter() - started) / 60
    staging = staging_folder(out)
    network.save(staging / harmony.WEIGHTS_FILE)
    atomic_write_json(staging / "config.json", dataclasses.asdict(config))
    atomic_write_json(staging / "split.json", split)
    hmm = baselines.ChordHMM.fit(tunes["train"])
    hmm.save(staging / "hmm.npz")
    model = harmony.load(staging)  # tune and score what was saved, in NumPy
    costs, tuned = baselines.tune_change_costs(model, tunes["validation"])
    config.change_cost = costs
    atomic_write_json(staging / "config.json", dataclasses.asdict(config))
    model = dataclasses.replace(model, config=config)
    methods = {"model": model.chords, **baselines.baseline_methods(hmm)}
    card = {
        "name": out.name,
        "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "data": {**dataclasses.asdict(stats), "split": {name: len(items) for name, items in tunes.items()}},
        "model": {**dataclasses.asdict(config), "parameters": int(network.count_params())},
        "training": {
            "epochs_run": len(history),
            "best_epoch": int(np.argmin([epoch["val_loss"] for epoch in history])) + 1,
            "best_val_loss": round(min(epoch["val_loss"] for epoch in history), 4),
            "minutes": round(minutes, 2),
            "cpu": cpu_name(),
        },
        "decoder": {"change_cost": list(costs), "validation_accuracy": round(tuned, 4)},
    }
    for name in ("validation", "test"):
        wrap = (lambda items, name=name: progress(items, f"scoring {name}")) if progress else None
        card[name] = {"tunes": len(tunes[name]), **baselines.score_methods(tunes[name], methods, wrap)}
        card[name]["model_tonic_unforced"] = tonic_share(model, tunes[name])
    card["speed"] = {"harmonize_ms_256_steps": harmonize_ms(model), "cpu": cpu_name()}
    atomic_write_json(staging / "card.json", card)
    atomic_write_text(staging / "card.md", card_markdown(card))
    replace_folder(staging, out)
    return card


def tonic_share(model, melodies) -> float:
    """Share of melodies whose last chord the model, not forced, would make the tonic triad."""
    ends = [model.chords(m.with_chords(()), force_tonic=False)[-1] for m in melodies]
    return round(float(np.mean([chord_class(c, m.key) == tonic_class(m.key) for c, m in zip(ends, melodies)])), 4)


def harmonize_ms(model, repeats: int = 50) -> float:
    """Median ms to harmonise a 16-bar 4/4 melody of 256 steps (quarter and eighth notes)."""
    rng = np.random.default_rng(0)
    events = [(int(p), int(n)) for p, n in zip(rng.integers(60, 73, 96), rng.choice([2, 4], 96))]
    melody = Melody.from_events(events, key="G major").with_steps(Melody.from_events(events).steps[:256])
    return round(timed(lambda: harmony.harmonize(melody, model), repeats), 2)


def add_generated_report(
    out: pathlib.Path,
    data: str | pathlib.Path = "data",
    per_meter: int = 100,
    bars: int = 8,
    progress: Progress | None = None,
    melody_model=None,
) -> dict:
    """Harmonise ``per_meter`` melodies per meter generated by the melody model (``bars``
    bars, temperature 1, seeded by the pickup and first bar of the test songs of the Essen
    dataset in ``data``) with the chord model in ``out``; the figures go into its card
    (``generated``). ``melody_model``: a loaded melody model (default: the shipped one);
    ``progress(seeds, "generated 6/8")`` follows the generation. Returns the card."""
    from melody.net.folder import default_model_folder, load_model_folder
    from melody.train.dataset import load_split
    from melody.train.reports import METERS, generate_each, meter_seeds

    out = pathlib.Path(out)
    model = harmony.load(out)  # a bad folder: HarmonyModelError, one line in the scripts
    card_path = out / "card.json"
    card = json.loads(card_path.read_text()) if card_path.is_file() else {"name": out.name}
    loaded = melody_model if melody_model is not None else load_model_folder(default_model_folder())
    report = {"melody_model": loaded.name, "bars": bars, "per_meter": per_meter, "meters": {}}
    is_tonic = lambda chord, melody: chord_class(chord, melody.key) == tonic_class(melody.key)
    for meter, (_, seeds) in meter_seeds(load_split(data, "test"), METERS, per_meter).items():
        if not seeds:
            continue
        wrap = (lambda items, meter=meter: progress(items, f"generated {meter}")) if progress else None
        counts = np.zeros(7)  # chord tones, note steps, rule's chord tones, tonic endings (forced, free), times
        for melody in generate_each(loaded, seeds, wrap, bars=bars, temperature=1.0):
            begun = time.perf_counter()
            chords = model.chords(melody)
            counts[6] += time.perf_counter() - begun
            counts[:2] += baselines.chord_tone_steps(melody, chords)
            counts[2] += baselines.chord_tone_steps(melody, baselines.rule_chords(melody))[0]
            counts[3] += is_tonic(chords[-1], melody)
            counts[4] += is_tonic(model.chords(melody, force_tonic=False)[-1], melody)
            counts[5] += len(chords) / (len(melody) / melody.bar_steps)
        report["meters"][meter] = {
            "melodies": len(seeds),
            "chord_tone_ratio": round(counts[0] / counts[1], 4),
            "rule_chord_tone_ratio": round(counts[2] / counts[1], 4),
            "ends_on_tonic": round(counts[3] / len(seeds), 4),
            "would_end_on_tonic_unforced": round(counts[4] / len(seeds), 4),
            "chords_per_bar": round(counts[5] / len(seeds), 2),
            "harmonize_ms": round(counts[6] / len(seeds) * 1000, 2),
        }
    card["generated"] = report
    atomic_write_json(card_path, card)
    atomic_write_text(out / "card.md", card_markdown(card))
    return card


def generated_summary(report: dict, out: pathlib.Path) -> str:
    """One line: per meter, the chord-tone ratio and the share ending on the tonic chord."""
    meters = "; ".join(
        f"{meter}: chord tones {row['chord_tone_ratio']:.3f}, tonic ending {row['ends_on_tonic']:.0%} "
        f"({row['would_end_on_tonic_unforced']:.0%} unforced)"
        for meter, row in report["meters"].items()
    )
    return f"{report['per_meter']} generated melodies per meter harmonised -> {meters}; added to {out}/card.md"


def card_markdown(card: dict) -> str:
    """The card as Markdown for people: what the model is, how it was made, what it scores."""
    lines = [f"# Model card: {card['name']}", ""]
    if "data" in card:
        data, model, training = card["data"], card["model"], card["training"]
        lines += [
            f"Created {card['created']}. Chooses one triad per beat at most under a melody, in its key.",
            "",
            "## Data",
            f"Nottingham Music Database tunes with chord symbols (`corpora/nottingham/`, GPL-3): read "
            f"{data['read']}, kept {data['kept']}; skipped {data['skipped']}. Read as written (repeats not "
            f"expanded), in the key of the first K: field ({data['key_changes']} tunes change key later). "
            f"{data['quantised']} tunes had notes off the 16th grid (triplets), moved to the nearest 16th; "
            f"{data['padded']} had an incomplete bar inside the tune, completed with a rest so that later "
            f"bars keep the grid. Split by tune (seed in `split.json`): {data['split']}.",
            "",
            "## Model",
            f"Per beat, {model['input_units']} tanh units read the melody's features (key-relative pitch classes: "
            f"how long each sounds, which sounds at the beat, which start in it; rests; place in the bar and in an "
            f"8-bar phrase; beats to the last note; meter; mode) -> bidirectional LSTM({model['units']}) -> "
            f"Dropout({model['dropout']}) -> softmax over 48 key-relative triads; {model['parameters']:,} parameters. "
            f"Decoding: Viterbi, a chord change costing {card['decoder']['change_cost']} (log-probability at a "
            f"bar line, half bar, other beat; tuned on validation: accuracy {card['decoder']['validation_accuracy']})"
            f", the tonic triad forced from the last beat that holds a note.",
            "",
            "## Training",
            f"{training['epochs_run']} epochs in {training['minutes']} min on {training['cpu']}, best validation "
            f"loss {training['best_val_loss']} at epoch {training['best_epoch']} (early stopping).",
        ]
        for name in ("test", "validation"):
            split = card[name]
            lines += ["", f"## {name.capitalize()} tunes ({split['tunes']} tunes, {split['model']['beats']} beats)"]
            lines += ["| method | chord accuracy (beats) | chord-tone ratio |", "|---|---|---|"]
            for method, label in METHOD_LABELS.items():
                lines.append(f"| {label} | {split[method]['accuracy']:.3f} | {split[method]['chord_tone_ratio']:.3f} |")
            lines.append(f"\nNot forced, the model would end {split['model_tonic_unforced']:.0%} of them on the tonic.")
        speed = card["speed"]
        lines += ["", f"Harmonising 256 steps (16 bars of 4/4) takes {speed['harmonize_ms_256_steps']} ms "
                  f"(median, NumPy, one thread) on {speed['cpu']}."]  # fmt: skip
    if "generated" in card:
        report = card["generated"]
        lines += [
            "",
            f"## Generated melodies ({report['melody_model']}, {report['bars']} bars, temperature 1)",
            "Seeded by the pickup and first bar of the Essen test songs of each meter. The last chord is "
            "forced to the tonic triad; (unforced) is how often the model would choose it anyway, (rule's) the "
            "diatonic rule's chord-tone ratio on the same melodies.",
            "",
            "| meter | melodies | chord-tone ratio | (rule's) | end on the tonic chord | (unforced) | chords per bar |",
            "|---|---|---|---|---|---|---|",
        ]
        for meter, row in report["meters"].items():
            lines.append(
                f"| {meter} | {row['melodies']} | {row['chord_tone_ratio']:.3f} | {row['rule_chord_tone_ratio']:.3f} "
                f"| {row['ends_on_tonic']:.0%} | {row['would_end_on_tonic_unforced']:.0%} | {row['chords_per_bar']} |"
            )
    return "\n".join(lines) + "\n"
