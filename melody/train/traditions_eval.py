"""Per tradition, side by side (issue 25, items 2 and 6): each model's held-out figures on the
test songs of that tradition, next to the Kneser-Ney 5-gram of that tradition's training songs.

The test songs are those of a dataset written by ``preprocess.py --style ...`` (each tradition
split as if alone, so a tradition's test songs are the same in its own dataset). A model told
the style (`melody.net.vocabulary.Vocabulary.styles`) is told the tradition; a model of one
tradition reads the songs as they are. A song with a pitch a model does not know is left out
for that model (counted in ``songs``).

    >>> models = {"traditions-lstm": style_model, "essen-lstm": german}             # doctest: +SKIP
    >>> table = tradition_table(models, "data-traditions")                           # doctest: +SKIP
    >>> table["chinese"]["models"]["traditions-lstm"]["nll_per_step"]                 # doctest: +SKIP
    0.93
"""

from __future__ import annotations

import pathlib

from melody.net.folder import LoadedModel
from melody.train.card import fit_ngram
from melody.train.dataset import load_melodies, load_split
from melody.train.evaluation import score_model, score_ngram


def tradition_table(models: dict[str, LoadedModel], data: str | pathlib.Path, progress=None) -> dict:
    """{style: {"songs": test songs, "models": {name: figures + "songs"}, "kn5": figures}}, in
    the dataset's order of traditions; the KN-5 is fitted on the tradition's training songs
    over the vocabulary of the first model that knows all of them."""
    melodies = load_melodies(data)
    test, train = load_split(data, "test", melodies), load_split(data, "train", melodies)
    styles = list(dict.fromkeys(m.style for m in melodies))
    table = {}
    for style in styles:
        songs = [m for m in test if m.style == style]
        row: dict = {"songs": len(songs), "models": {}}
        for name, loaded in models.items():
            symbols = set(loaded.vocab.symbols)
            known = [m.replace(style=style if loaded.vocab.styles else "") for m in songs if set(m.steps) <= symbols]
            if progress:
                progress(f"{style}: {name} on {len(known)} songs")
            row["models"][name] = {**score_model(loaded, known), "songs": len(known)}
        vocab = next(
            (
                loaded.vocab
                for loaded in models.values()
                if all(set(m.steps) <= set(loaded.vocab.symbols) for m in songs)
            ),
            next(iter(models.values())).vocab,
        )
        learned = [m for m in train if m.style == style and set(m.steps) <= set(vocab.symbols)]
        known = [m for m in songs if set(m.steps) <= set(vocab.symbols)]
        row["kn5"] = {**score_ngram(fit_ngram(learned, vocab), vocab, known), "songs": len(known)}
        table[style] = row
    return table


def table_markdown(table: dict, chosen: dict[str, str] | None = None) -> str:
    """The table as Markdown: a row per tradition and model, KN-5 last; ``chosen``: the model
    that serves each tradition (marked)."""
    lines = [
        "| tradition | model | test songs | NLL per step | pitch bits per note | accuracy |",
        "|---|---|---|---|---|---|",
    ]
    for style, row in table.items():
        for name, figures in [*row["models"].items(), ("KN-5 (its own training songs)", row["kn5"])]:
            mark = " (serves it)" if chosen and chosen.get(style) == name else ""
            lines.append(
                f"| {style} | {name}{mark} | {figures['songs']} | {figures['nll_per_step']:.3f} | "
                f"{figures['pitch_bits_per_note']:.3f} | {figures['accuracy']:.3f} |"
            )
    return "\n".join(lines) + "\n"
