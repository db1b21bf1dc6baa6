"""The per-meter report loop, written once: for each meter, the held-out test songs of that
meter give seeds (their pickup and first bar), and a model continues every seed once, the
random seed of each melody its index. scripts/meter_report.py, scripts/form_report.py and the
chord model's card (`melody.train.chord_card`) each compute their own figures on the result.

    >>> by_meter = meter_seeds(load_split("data", "test"), per_meter=100)     # doctest: +SKIP
    >>> songs, seeds = by_meter["6/8"]                                         # doctest: +SKIP
    >>> melodies = generate_each(loaded, seeds, bars=8, temperature=1.0)      # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from melody.core.melody import Melody
from melody.generate.generator import generate

METERS = ("2/4", "3/4", "4/4", "6/8")
OPENING_BARS = 1  # a seed is a song's pickup and first bar


def meter_seeds(
    songs: Sequence[Melody], meters: Iterable[str] = METERS, per_meter: int = 100, cycle: bool = True
) -> dict[str, tuple[list[Melody], list[Melody]]]:
    """meter -> (test songs, seeds), in the order of ``meters``.

    ``cycle`` (scripts/meter_report.py, the chord card): the songs are all of that meter and
    the ``per_meter`` seeds are their openings, cycled through the songs when they are fewer
    (no seeds where the meter has no song). Not ``cycle`` (scripts/form_report.py): the
    songs are the first ``per_meter`` of that meter that last longer than their opening (so
    something is left to continue), one seed each."""
    by_meter = {}
    for meter in meters:
        of_meter = [song for song in songs if song.meter == meter]
        if cycle:
            seeds = [of_meter[i % len(of_meter)].opening(OPENING_BARS) for i in range(per_meter)] if of_meter else []
        else:
            of_meter = [song for song in of_meter if len(song.opening(OPENING_BARS)) < len(song)][:per_meter]
            seeds = [song.opening(OPENING_BARS) for song in of_meter]
        by_meter[meter] = (of_meter, seeds)
    return by_meter


def generate_each(
    loaded,
    seeds: Sequence[Melody],
    progress: Callable[[Iterable], Iterable] | None = None,
    bars: int | Sequence[int] | None = None,
    **settings,
) -> list[Melody]:
    """One melody per seed, ``random_seed`` the seed's index: ``bars`` one number for all,
    one per seed, or None (``steps`` then); ``settings`` are the other `GenerationSettings`
    fields (temperature, steps, form ...). ``progress`` wraps the seeds (e.g. a tqdm bar)."""
    lengths = list(bars) if isinstance(bars, Sequence) else [bars] * len(seeds)
    pairs = list(zip(seeds, lengths, strict=True))
    return [
        generate(loaded, seed, bars=length, random_seed=index, **settings)[0]
        for index, (seed, length) in enumerate(progress(pairs) if progress else pairs)
    ]
