#!/usr/bin/env python3
"""How often is the key found for a seed the song's own key? Real openings, two key finders.

The seeds: the openings (pickup and first two bars) of --n songs of the dataset's test split
(the first ones in id order, or --pick spread: evenly over the split), each read again from
music21's Essen files in its original key, meter and pickup (the dataset holds them in C
major / A minor). A song's own key is the key preprocessing gives the whole song before
moving it to the model's key (the file's key signature, major or minor by music21's
analysis of the whole song where the file's signature allows). Essen's files name only the
final in K: and write a minor song's flats as accidentals, so a G minor song is often "G
major" by its own key; its heard key is its own tonic in the mode music21 hears in the whole
song. Counted per finder: the own key exactly, the own key or its relative (the same key
signature), the own key or the heard key, and the median time per seed (wall and CPU).

Finders: music21's analysis of the opening (`detect_key`: before issue 23, now the
fallback without a model), and the model with musicians' cues (`find_seed_key`:
`melody/generate/seed_key.py`). --fit N first fits the cues' weights on the openings of N
training songs (spread over the train split), their heard keys as the answers (--labels own:
their own keys), prints them as `seed_key.WEIGHTS` takes them, then scores with them.

Example:
    .venv/bin/python scripts/key_report.py
    .venv/bin/python scripts/key_report.py --n 150 --pick spread
    .venv/bin/python scripts/key_report.py --fit 1000
    .venv/bin/python scripts/key_report.py --fit 1000 --labels own --features model minor
"""

from __future__ import annotations

import argparse

import _common


def parse_args() -> argparse.Namespace:
    from melody.train.key_report import PICKS

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="models/essen-lstm", help="model folder (default: %(default)s)")
    parser.add_argument("--data", default="data", help="dataset folder with the split (default: %(default)s)")
    parser.add_argument("--n", type=int, default=150, help="test songs (default: %(default)s)")
    parser.add_argument("--pick", choices=PICKS, default="first", help="which test songs (default: %(default)s)")
    parser.add_argument("--fit", type=int, metavar="N", help="fit the weights on N training songs' openings first")
    parser.add_argument("--l2", type=float, default=0.01, help="L2 penalty of the fit per opening (default: 0.01)")
    parser.add_argument(
        "--labels", choices=("heard", "own"), default="heard", help="answers of the fit (default: heard)"
    )
    parser.add_argument("--features", nargs="+", metavar="NAME", help="fit only these (e.g. model minor; default: all)")
    args = parser.parse_args()
    if args.n < 1 or (args.fit is not None and args.fit < 1):
        parser.error("--n and --fit take a whole number >= 1")
    from melody.generate.seed_key import FEATURES

    if args.features and (not args.fit or set(args.features) - set(FEATURES)):
        parser.error(f"--features goes with --fit and names some of: {' '.join(FEATURES)}")
    return args


def fitted_weights(loaded, args):
    """The weights fitted on --fit training openings, printed as `seed_key.WEIGHTS` takes them."""
    from melody.generate.seed_key import FEATURES
    from melody.train.key_report import accuracy, fit_weights, opening_features, song_openings

    openings, _ = song_openings(args.data, "train", args.fit, "spread", _common.bar("reading train songs", "song"))
    features, labels = opening_features(loaded, openings, args.labels, _common.bar("scoring train openings", "seed"))
    weights = fit_weights(features, labels, l2=args.l2, columns=args.features)
    exact, same = accuracy(features, labels, weights)
    print(
        f"fitted on the {args.labels} keys of {len(openings)} training openings: {exact:.1%} exact, "
        f"{same:.1%} same signature there"
    )
    print("WEIGHTS = np.array([" + ", ".join(f"{w:.4g}" for w in weights) + "])  # " + ", ".join(FEATURES))
    return weights


def main() -> None:
    from melody.core.machine import cpu_name
    from melody.generate.seed_key import WEIGHTS, find_seed_key
    from melody.net.folder import load_model_folder
    from melody.songs.corpus import detect_key
    from melody.train.key_report import OPENING_BARS, score_finders, song_openings

    args = parse_args()
    loaded = load_model_folder(args.model)
    weights = fitted_weights(loaded, args) if args.fit else WEIGHTS
    openings, left_out = song_openings(args.data, "test", args.n, args.pick, _common.bar("reading test songs", "song"))
    if not openings:
        _common.fail(f"none of the {args.n} test songs of {args.data} could be read again")
    finders = {
        "music21 (detect_key, before)": detect_key,
        "model + cues (find_seed_key)": lambda seed: find_seed_key(loaded, seed, weights).key,
    }
    tallies = score_finders(openings, finders, _common.bar("finding keys", "seed"))
    which = "first" if args.pick == "first" else "spread over the"
    print(f"{len(openings)} openings (pickup + {OPENING_BARS} bars) of the {which} test songs of {args.data}, own keys")
    if left_out:
        print(f"({left_out} picked songs left out: they no longer read as the dataset holds them)")
    print(f"{'finder':30s} {'own key':>15s} {'same signature':>15s} {'own or heard':>15s}   per seed (CPU)")
    for tally in tallies:
        counts = [f"{n:4d} ({tally.share(n):6.1%})" for n in (tally.exact, tally.same_signature, tally.own_or_heard)]
        print(f"{tally.name:30s} {' '.join(counts)}   {tally.median_ms:5.1f} ms ({tally.median_cpu_ms:.1f} ms)")
    old, new = tallies
    print(
        f"key report: {len(openings)} openings; own key {old.share(old.exact):.1%} -> {new.share(new.exact):.1%}, "
        f"same signature {old.share(old.same_signature):.1%} -> {new.share(new.same_signature):.1%}, "
        f"own or heard {old.share(old.own_or_heard):.1%} -> {new.share(new.own_or_heard):.1%}; "
        f"{new.median_ms:.0f} ms per seed ({new.median_cpu_ms:.0f} ms CPU) on {cpu_name()}"
    )


if __name__ == "__main__":
    _common.run_main(main)
