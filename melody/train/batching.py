"""Songs as arrays for the network: padded batches of whole songs, and chunked streams.

- `make_batches`: whole songs sorted by length, padded per batch; used to score songs
  (each from a fresh state) in evaluation and validation.
- `make_streams`: songs laid back to back in ``streams`` parallel rows, cut into chunks of
  ``chunk`` steps. Training reads chunk after chunk and carries the LSTM state from one
  chunk to the next, zeroing a row's state at the step where a new song starts
  (truncated backpropagation through time). Rows end within about one song of each other,
  so padding is left only in the last chunk or two (Essen: the last of 186).

    >>> streams = make_streams(songs, vocab, streams=64, chunk=64, seed=1)   # doctest: +SKIP
    >>> streams.symbols.shape                                               # doctest: +SKIP
    (215, 64, 64)
"""

from __future__ import annotations

import dataclasses
import heapq

import numpy as np

from melody.core.melody import Melody
from melody.net.vocabulary import LOOKBACK_FIELDS, Vocabulary, song_arrays

PAD_TO = 16  # batch lengths are rounded up to a multiple of this (fewer graph shapes)
FIELDS = ("symbols", "positions", "meters", "targets", *LOOKBACK_FIELDS, "styles")


def _song(melody: Melody, vocab: Vocabulary, max_steps: int, to_go_bars: int = 0, told: bool = False):
    """`song_arrays` of a song cut to ``max_steps``, with per-target ``weights`` (1.0; a cut
    song's closing '/' weighs 0, since the song does not really end there); ``told``: the
    model is told how far the song's real end is (``to_go_bars``, see `position_ids`)."""
    length = len(melody) if told else None
    arrays = song_arrays(melody.with_steps(melody.steps[:max_steps]), vocab, length, to_go_bars)
    arrays.weights = np.ones(len(arrays.targets), np.float32)
    if len(melody) > max_steps:
        arrays.weights[-1] = 0.0
    return arrays


@dataclasses.dataclass
class Batch:
    """Padded inputs (batch, steps), int32, and per-step loss weights, float32."""

    symbols: np.ndarray
    positions: np.ndarray
    meters: np.ndarray
    targets: np.ndarray
    lookback_1: np.ndarray
    lookback_2: np.ndarray
    repeated: np.ndarray
    styles: np.ndarray
    weights: np.ndarray

    @property
    def inputs(self) -> dict[str, np.ndarray]:
        """The inputs of a model without lookback (see `inputs_for`)."""
        return {"symbols": self.symbols, "positions": self.positions, "meters": self.meters}

    def inputs_for(self, names) -> dict[str, np.ndarray]:
        """The inputs a model reads, by name (`melody.net.folder.input_names`)."""
        return {name: getattr(self, name) for name in names}

    @property
    def n_targets(self) -> int:
        return int((self.weights > 0).sum())


def make_batches(
    melodies: list[Melody], vocab: Vocabulary, batch_size: int, max_steps: int = 1024, to_go_bars: int = 0
) -> list[Batch]:
    """Songs sorted by length, in batches padded to a multiple of PAD_TO.

    Weights are 1 on real targets, scaled so that the batch's mean loss is the mean
    negative log-likelihood per real target (padding weighs 0). ``to_go_bars`` > 0: every
    song is told how far its end is (a model that can be told, scored told).
    """
    songs = (_song(m, vocab, max_steps, to_go_bars, told=bool(to_go_bars)) for m in melodies)
    arrays = sorted(songs, key=lambda a: len(a.targets))
    batches = []
    for begin in range(0, len(arrays), batch_size):
        group = arrays[begin : begin + batch_size]
        length = -(-max(len(a.targets) for a in group) // PAD_TO) * PAD_TO
        fields = {name: np.zeros((len(group), length), np.int32) for name in FIELDS}
        mask = np.zeros((len(group), length), np.float32)
        for row, song in enumerate(group):
            n = len(song.targets)
            for name in fields:
                fields[name][row, :n] = getattr(song, name)
            mask[row, :n] = song.weights
        batches.append(Batch(**fields, weights=mask * (mask.size / mask.sum())))
    return batches


@dataclasses.dataclass
class Streams(Batch):
    """Chunked streams: a `Batch`'s arrays as (n_chunks, streams, chunk); ``resets`` is 1.0 at
    the steps where a row's state is zeroed first (the first step of a song, and padding)."""

    resets: np.ndarray = None

    def __len__(self) -> int:
        return len(self.symbols)


def make_streams(
    melodies: list[Melody],
    vocab: Vocabulary,
    streams: int = 64,
    chunk: int = 64,
    seed: int = 0,
    max_steps: int = 1024,
    to_go_bars: int = 0,
    told_share: float = 0.0,
) -> Streams:
    """Songs laid back to back in ``streams`` rows, with no gap: a song may start anywhere
    in a chunk, and its row's state is zeroed at that step. Rows are filled longest song
    first, each song on the row with the fewest steps so far (so the rows end within about one
    song of each other and padding is left only at the end), then each row's songs put in a
    random order (``seed``). A model told how far the end is (``to_go_bars``) is told it for
    a random ``told_share`` of the songs and not for the rest, so it also works untold."""
    rng = np.random.default_rng(seed)
    told = rng.random(len(melodies)) < told_share if to_go_bars else np.zeros(len(melodies), bool)
    arrays = [_song(m, vocab, max_steps, to_go_bars, tell) for m, tell in zip(melodies, told, strict=True)]
    lengths = [len(a.targets) for a in arrays]
    order = sorted(rng.permutation(len(arrays)), key=lambda i: -lengths[i])
    rows: list[list[int]] = [[] for _ in range(streams)]
    heap = [(0, row) for row in range(streams)]  # (steps used, row)
    for index in order:
        used, row = heapq.heappop(heap)
        rows[row].append(index)
        heapq.heappush(heap, (used + lengths[index], row))
    for songs in rows:
        rng.shuffle(songs)
    n_chunks = max(1, -(-max(used for used, _ in heap) // chunk))
    flat = {name: np.zeros((streams, n_chunks * chunk), np.int32) for name in FIELDS}
    weights = np.zeros((streams, n_chunks * chunk), np.float32)
    resets = np.ones((streams, n_chunks * chunk), np.float32)
    for row, songs in enumerate(rows):
        at = 0  # step where the next song starts
        for index in songs:
            song, n = arrays[index], lengths[index]
            for name in FIELDS:
                flat[name][row, at : at + n] = getattr(song, name)
            weights[row, at : at + n] = song.weights
            resets[row, at + 1 : at + n] = 0.0  # carry the state within a song
            at += n

    def chunked(array: np.ndarray) -> np.ndarray:  # (streams, n_chunks * chunk) -> (n_chunks, streams, chunk)
        return np.ascontiguousarray(array.reshape(streams, n_chunks, chunk).transpose(1, 0, 2))

    return Streams(**{name: chunked(a) for name, a in flat.items()}, weights=chunked(weights), resets=chunked(resets))
