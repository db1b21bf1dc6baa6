"""Reading one song into a `Melody`: music21 scores, MIDI (through mido), and the limits
every file meets before it is unrolled into 16th-note steps.

One path for uploads, ``scripts/preprocess.py`` and ``scripts/evaluate.py`` alike
(`melody.songs.corpus.parse_task` sizes the file, then calls these): a song that cannot be
used raises `SongSkipped` with one reason per kind of problem (``SKIP_REASONS``). Sizes
are checked on the parsed notes (and, where the parser itself could be made to work
hard, on the file before parsing), never after a list with one entry per 16th is built:

- ``MAX_SONG_STEPS``, ``MAX_SONG_NOTES``, ``MAX_SONG_BARS``: the whole song (the German
  Essen songs reach 2,784 steps, 278 notes, 74 bars; music21's ABC reader slows down
  with the square of the bars, so these bound its time too);
- ``MAX_NOTE_STEPS``: one note or rest (Essen's longest: 64 steps, 4 whole notes);
- ``MAX_UNPACKED_BYTES``: what a compressed MusicXML (``.mxl``) may unpack to.
"""

from __future__ import annotations

import bisect
import collections
import io

from melody.core.errors import MelodyError, UserError
from melody.core.melody import (
    ACCEPTED_DURATIONS_QL,
    ACCOMPANIMENT_NAME,
    BASS_RANGE,
    STEP_QL,
    Chord,
    Melody,
    bar_steps,
    chord_from_pitches,
    clamp_tempo,
)
from melody.core.pitch import transpose_key
from melody.songs.lines import EPSILON, Reading, grid_pieces, highest, on_grid, top_line
from melody.songs.titles import file_title

MAX_SONG_STEPS = 8192  # 128 bars of 4/4; the longest German Essen song: 2,784 (in 6/2)
MAX_SONG_NOTES = 1024  # Essen's most: 278
MAX_SONG_BARS = 256  # written bars; Essen's most: 74
MAX_BACKING_NOTES = 8 * MAX_SONG_NOTES  # of a MIDI file's accompaniment: more are not read for its chords
MAX_NOTE_STEPS = 256  # 16 whole notes; the seed's filter (training data) keeps at most 4 quarters
MAX_UNPACKED_BYTES = 20 * 2**20  # an .mxl of one folk song unpacks to well under 1 MB
MAX_PACKING_RATIO = 400  # zeros pack ~1000 to 1; MusicXML packs 10-50 to 1
DEFAULT_MIDI_TEMPO = 120.0  # what a MIDI file without a tempo means

SKIP_REASONS = {
    "bad_duration": "a note or rest lasts other than 1/4, 1/2, 3/4, 1, 3/2, 2, 3 or 4 quarters",
    "polyphony": "chords or overlapping notes (only single melodic lines are used)",  # in training data
    "parse_error": "the file could not be read as music",
    "empty": "no notes",
    "out_of_range": "a pitch outside the model's vocabulary",
    "bad_meter": "a time signature the 16th-note grid cannot hold",
    "too_large": "the file is larger than an upload may be",
    "not_a_song_file": "not a kind of file the studio reads",
    "too_long": (
        f"the song is longer than {MAX_SONG_STEPS:,} sixteenths (128 bars of 4/4), "
        f"{MAX_SONG_NOTES:,} notes or {MAX_SONG_BARS} bars"
    ),
    "long_note": f"a note or rest lasts longer than {MAX_NOTE_STEPS // 16} whole notes",
    "unpacks_too_large": "the compressed file unpacks to more than a score would (too large, too many files, or packed "
    "tighter than music packs)",
}


class SongSkipped(UserError):
    """A song was not kept; ``reason`` is a key of ``SKIP_REASONS``."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.detail = reason, detail


def quarters_text(length) -> str:
    return f"{float(length):,.0f}" if float(length).is_integer() else f"{float(length):g}"


def _beats_in(step: int) -> str:
    return "at the very start" if step == 0 else f"{step * STEP_QL:g} beats in"


def check_lengths(lengths_ql, start_ql: float = 0.0) -> None:
    """Refuse a song whose notes and rests (quarter lengths, in order) hold one longer than
    MAX_NOTE_STEPS or add up to more than MAX_SONG_STEPS; before any step list is built."""
    total = 0.0
    for length in lengths_ql:
        steps = float(length) / STEP_QL
        if steps > MAX_NOTE_STEPS:
            raise SongSkipped(
                "long_note",
                f"one lasts {quarters_text(length)} quarters, {_beats_in(round(start_ql / STEP_QL + total))}; "
                f"at most {MAX_NOTE_STEPS * STEP_QL:g} are read",
            )
        total += steps
    if total > MAX_SONG_STEPS:
        raise SongSkipped("too_long", f"it lasts {total:,.0f} sixteenths")


def check_duration(quarter_length: float, strict: bool = True) -> int:
    """Steps for a duration; raises SongSkipped if it is off the 16th-note grid or, when
    ``strict`` (the seed's filter, used for training data), not one of ACCEPTED_DURATIONS_QL."""
    steps = float(quarter_length) / STEP_QL
    on_grid = steps >= 1 and abs(steps - round(steps)) < 1e-6
    if not on_grid or (strict and not any(abs(quarter_length - d) < 1e-6 for d in ACCEPTED_DURATIONS_QL)):
        raise SongSkipped("bad_duration", f"a duration of {float(quarter_length):g} quarters")
    return round(steps)


def check_counts(notes: int, bars: int = 0) -> None:
    if notes > MAX_SONG_NOTES:
        raise SongSkipped("too_long", f"{notes:,} notes")
    if bars > MAX_SONG_BARS:
        raise SongSkipped("too_long", f"{bars:,} bars")


def melody_from_score(score, title: str = "", strict: bool = True, trust_file_mode: bool = False) -> Melody:
    """A Melody from a music21 stream (one part; a part named "Accompaniment" beside it is
    not read as melody), in the song's own key, with its chord symbols (`score_chords`).

    ``strict`` applies the seed's duration filter; otherwise any 16th-grid duration is kept.
    ``trust_file_mode``: where the file states major or minor (MusicXML's ``<mode>``), that
    is trusted; otherwise music21's analysis settles the mode (see `_song_key`).
    """
    return read_score(score, title, strict, trust_file_mode).melody


def read_score(score, title: str = "", strict: bool = True, trust_file_mode: bool = False, lenient: bool = False):
    """`melody_from_score` as a `melody.songs.lines.Reading`. ``lenient`` (a file given as a
    seed): of several parts or voices the top line is read, of a chord its top note, a note off
    the 16th grid is rounded to it and rests before the first note are a pickup (each said in
    the Reading); otherwise more than one line is SongSkipped("polyphony")."""
    from music21 import meter, tempo

    every_part = list(score.parts) if hasattr(score, "parts") and score.parts else [score]
    parts = [part for part in every_part if not _is_accompaniment(part.partName)] or every_part
    took = []
    if len(parts) > 1 and not lenient:
        raise SongSkipped("polyphony", f"{len(parts)} parts")
    if len(parts) > 1:
        took.append(f"the top line of {len(parts)} parts")
    part = parts[highest([_pitches(part) for part in parts])] if len(parts) > 1 else parts[0]
    left_out, voices = _lower_voices(part, lenient)
    took += [f"the top line of {voices} voices"] if voices else []
    flat = part.flatten()
    collect = _lenient_pieces if lenient else _pieces
    pieces, origin, chords = collect(e for e in flat.notesAndRests if id(e) not in left_out)
    took += ["the top note of each chord"] if chords else []
    check_lengths([end - start for _, start, end in pieces])
    if not any(pitch is not None for pitch, _, _ in pieces):
        raise SongSkipped("empty", "no notes")
    signatures = list(flat.getElementsByClass(meter.TimeSignature))
    meter_text = signatures[0].ratioString if signatures else "4/4"
    key_text = key_name(_song_key(flat, trust_file_mode))
    pickup, rounded = _pickup_steps(part, meter_text), []
    if lenient:  # rests before the first note are a pickup; the grid is counted from that note
        first = next(start for pitch, start, _ in pieces if pitch is not None)
        pickup = (pickup - round((first - origin) / STEP_QL)) % _bar_or_skip(meter_text)
        pieces, origin = [piece for piece in pieces if piece[1] >= first - EPSILON], first
        events, rounded = grid_pieces(pieces, origin)
        if not any(pitch is not None for pitch, _ in events):  # every note shorter than a 16th rounds away
            raise SongSkipped("bad_duration", "every note is shorter than a 16th, the shortest the studio writes")
        pickup = min(pickup, sum(length for _, length in events))
    else:
        events = [(pitch, check_duration(end - start, strict)) for pitch, start, end in pieces]
    marks = [m for m in flat.getElementsByClass(tempo.MetronomeMark) if m.number]
    # e.g. dotted quarter = 60 in 6/8 is 90 quarters a minute
    fields = {"tempo": round(clamp_tempo(marks[0].getQuarterBPM()), 3)} if marks else {}
    if score.metadata is not None and score.metadata.title:
        title = file_title(score.metadata.title)  # its own case and letters (`melody.songs.titles`)
    try:
        melody = Melody.from_events(events, key=key_text, meter=meter_text, pickup=pickup, title=title, **fields)
    except MelodyError as error:
        raise SongSkipped("bad_meter", str(error)) from error
    others = [other for other in every_part if other is not part]
    melody = melody.with_chords(score_chords([part, *others], origin, len(melody)))
    return Reading(melody, tuple(took), tuple(rounded))


def _pieces(elements) -> tuple[list[tuple[int | None, float, float]], float, bool]:
    """The notes and rests of one line (music21 elements, in order) as (MIDI pitch or None,
    start, end) in quarters, tied notes joined, a gap (MusicXML ``<forward>``) a rest; the
    offset of the first; False (no chord: a chord, or notes that overlap, are SongSkipped)."""
    from music21 import chord, note

    pieces: list[list] = []
    origin = None
    for element in elements:
        if element.duration.isGrace or element.quarterLength == 0:  # chord symbols too: they last 0
            continue
        start = float(element.offset)
        end, origin = start + float(element.quarterLength), start if origin is None else origin
        if isinstance(element, chord.Chord):
            raise SongSkipped("polyphony", "a chord")
        if pieces and start < pieces[-1][2] - EPSILON:
            raise SongSkipped("polyphony", f"two notes overlap {_beats_in(round(start / STEP_QL))}")
        if pieces and start > pieces[-1][2] + EPSILON:  # a gap (MusicXML <forward>) is heard as a rest
            pieces.append([None, pieces[-1][2], start])
        pitch = element.pitch.midi if isinstance(element, note.Note) else None
        tied = pitch is not None and element.tie is not None and element.tie.type in ("continue", "stop")
        if tied and pieces and pieces[-1][0] == pitch:  # by MIDI number: a written natural is the same note
            pieces[-1][2] = end
        else:
            pieces.append([pitch, start, end])
    return [tuple(piece) for piece in pieces], origin or 0.0, False


def _lenient_pieces(elements) -> tuple[list[tuple[int | None, float, float]], float, bool]:
    """As `_pieces`, with the top line (`top_line`) of notes that overlap, the top note of a
    chord, and whether notes started together (a chord)."""
    notes: list[list] = []  # [start, end, pitch]
    origin, last_end, chords = None, 0.0, False
    for element in elements:
        if element.duration.isGrace or element.quarterLength == 0:
            continue
        start = float(element.offset)
        end, origin = start + float(element.quarterLength), start if origin is None else origin
        last_end = max(last_end, end)
        pitches = [pitch.midi for pitch in getattr(element, "pitches", ())] if element.isNote or element.isChord else []
        if not pitches:  # a rest
            continue
        chords = chords or len(set(pitches)) > 1
        tied = element.tie is not None and element.tie.type in ("continue", "stop")
        joined = [n for n in notes if n[2] == max(pitches) and abs(n[1] - start) < EPSILON] if tied else []
        if joined:
            joined[-1][1] = end
        else:
            notes.append([start, end, max(pitches)])
    line, together = top_line(notes)
    pieces, position = [], origin or 0.0
    for start, end, pitch in line:
        if start > position + EPSILON:
            pieces.append((None, position, start))
        pieces.append((pitch, start, end))
        position = end
    if last_end > position + EPSILON:
        pieces.append((None, position, last_end))
    return pieces, origin or 0.0, chords or together


def _pitches(part) -> list[int]:
    """The MIDI pitches of a music21 stream's notes, a chord's top one for it."""
    return [max(p.midi for p in n.pitches) for n in part.recurse().notes if n.quarterLength and n.pitches]


def _lower_voices(part, lenient: bool) -> tuple[set[int], int]:
    """The ids of the notes and rests in every voice of a bar but its highest (`highest`), and
    the most voices with notes in a bar (0 when none has two); without ``lenient``, a bar of
    two is SongSkipped("polyphony")."""
    from music21 import stream

    left_out, most = set(), 0
    for bar in part.recurse().getElementsByClass(stream.Measure):
        voices = [v for v in bar.voices if any(True for _ in v.recurse().notes)]
        if len(voices) > 1 and not lenient:  # MusicXML <voice>, kern's *^ spine split
            raise SongSkipped("polyphony", f"{len(voices)} voices in one part")
        if len(voices) > 1:
            top = highest([_pitches(voice) for voice in voices])
            left_out |= {id(e) for i, v in enumerate(voices) if i != top for e in v.recurse().notesAndRests}
            most = max(most, len(voices))
    return left_out, most


def _bar_or_skip(meter_text: str) -> int:
    try:
        return bar_steps(meter_text)
    except MelodyError as error:
        raise SongSkipped("bad_meter", str(error)) from error


def _is_accompaniment(name) -> bool:
    """True for the name of an accompaniment part or track (`melody.core.melody.ACCOMPANIMENT_NAME`)."""
    return isinstance(name, str) and name.strip().lower() == ACCOMPANIMENT_NAME


def score_chords(parts, origin: float, length: int) -> tuple[Chord, ...]:
    """The chord symbols (MusicXML ``<harmony>``, music21 ChordSymbol) of the first of
    ``parts`` that has any, as triads (`Chord.from_symbol` of music21's figure) on the melody's grid: step 0 at offset
    ``origin`` (quarter lengths), ``length`` steps long. "N.C." and symbols without a root
    are skipped."""
    from music21 import harmony

    for part in parts:
        found = []
        for symbol in part.flatten().getElementsByClass(harmony.ChordSymbol):
            start = round((float(symbol.offset) - origin) / STEP_QL)
            chord = None if isinstance(symbol, harmony.NoChord) else Chord.from_symbol(symbol.figure or "", start)
            if chord:
                found.append(chord)
        if found:
            return _placed(found, length)
    return ()


def _placed(chords: list[Chord], length: int) -> tuple[Chord, ...]:
    """``chords`` as a melody of ``length`` steps holds them: in order, one per start (the
    last written), those from before step 0 the one sounding at 0, none at or after the end."""
    by_start: dict[int, Chord] = {}
    for chord in sorted(chords, key=lambda chord: chord.start):
        by_start[max(chord.start, 0)] = chord._replace(start=max(chord.start, 0))
    return tuple(chord for start, chord in sorted(by_start.items()) if start < length)


def _pickup_steps(part, meter_text: str) -> int:
    """Length in steps of an incomplete first bar (0 when the song starts on a downbeat).
    A lone bar is a pickup only when numbered 0 (as MusicXML writes a pickup bar)."""
    measures = list(part.getElementsByClass("Measure"))
    if not measures or (len(measures) < 2 and measures[0].number != 0):
        return 0
    try:
        bar = bar_steps(meter_text)
    except MelodyError:
        return 0
    first = round(measures[0].highestTime / STEP_QL)
    return first if 0 < first < bar else 0


def _midi_notes(tracks) -> list[tuple[int, int, int, tuple[int, int]]]:
    """(start tick, end tick, pitch, part) of every non-drum note of ``tracks`` (mido tracks),
    sorted; more than `MAX_SONG_NOTES`: SongSkipped."""
    notes = _paired_notes(tracks, MAX_SONG_NOTES)
    check_counts(len(notes))
    return notes


def _paired_notes(tracks, most: int) -> list[tuple[int, int, int, tuple[int, int]]]:
    """(start tick, end tick, pitch, part) of the non-drum notes of ``tracks``, paired as
    pretty_midi pairs them (a note-off closes the notes of its pitch and channel begun at
    earlier ticks), sorted; a note's part is (its track's index, its channel). The reading
    stops after the track where ``most`` are passed."""
    notes = []
    for index, track in enumerate(tracks):
        tick, playing = 0, {}
        for message in track:
            tick += message.time
            if message.type not in ("note_on", "note_off") or message.channel == 9:  # 9: General MIDI drums
                continue
            key = (message.channel, message.note)
            if message.type == "note_on" and message.velocity > 0:
                playing.setdefault(key, []).append(tick)
            elif key in playing:
                closed = [start for start in playing[key] if start != tick]
                notes.extend((start, tick, message.note, (index, message.channel)) for start in closed)
                kept = [start for start in playing.pop(key) if start == tick]
                if closed and kept:
                    playing[key] = kept
        if len(notes) > most:
            break
    return sorted(notes)


def _accompaniment_tracks(midi) -> tuple[list, list]:
    """The file's tracks as (melody, accompaniment): a track named "accompaniment" (as
    `melody.output.render` writes one under a melody with chords) is accompaniment where another
    track has notes; otherwise every track is melody."""
    backing = [track for track in midi.tracks if _is_accompaniment(track.name)]
    melody = [track for track in midi.tracks if not _is_accompaniment(track.name)]
    if not backing or not any(message.type == "note_on" for track in melody for message in track):
        return list(midi.tracks), []
    return melody, backing


def midi_chords(midi, tracks, origin: int, length: int) -> tuple[Chord, ...]:
    """The chords an accompaniment (mido ``tracks``) plays under a melody whose step 0 is
    the file's step ``origin`` (16ths from the start), ``length`` steps long. A chord starts
    at each chord symbol written as a text event (else at each bass note: a note at or below
    `BASS_RANGE`'s top that starts alone, or the lowest of four or more starting together, a
    bass under a triad; two or three together are a chord, which under a low melody goes
    down there too), and is the triad that the accompaniment's notes from there to the
    next start sound (`melody.core.melody.chord_from_pitches`, the symbol breaking ties);
    a bass note that repeats the chord before it starts none."""
    sixteenth = midi.ticks_per_beat * STEP_QL
    notes = [(round(start / sixteenth), pitch) for start, _, pitch, _ in _paired_notes(tracks, MAX_BACKING_NOTES)]
    onsets = [step for step, _ in notes]  # sorted
    written: dict[int, Chord | None] = {}
    for track in midi.tracks:
        tick = 0
        for message in track:
            tick += message.time
            symbol = Chord.from_symbol(message.text) if message.type == "text" else None
            if symbol:
                written[round(tick / sixteenth)] = symbol
    if not written:
        together = collections.Counter(step for step, _ in notes)
        basses = {step for step, pitch in notes if pitch <= BASS_RANGE[1] and together[step] not in (2, 3)}
        basses = basses or {step for step, _ in notes}
        written = dict.fromkeys(basses)
    starts = sorted(written)
    chords: list[Chord] = []
    for start, end in zip(starts, starts[1:] + [None]):
        first, stop = bisect.bisect_left(onsets, start), len(notes) if end is None else bisect.bisect_left(onsets, end)
        pitches = [pitch for _, pitch in notes[first:stop]]
        chord = chord_from_pitches(pitches, start - origin, written[start])
        if chord and (written[start] or not chords or chords[-1][1:] != chord[1:]):
            chords.append(chord)
    return _placed(chords, length)


def _midi_meta(midi, first_tick: int) -> tuple[float, str, str | None, int]:
    """The tempo sounding at the first note (quarters a minute), the first time signature,
    the first key signature's key (``"C major"`` style) or None, and the tick of a barline
    (0, or the end of a pickup written as a short bar of its own, `_short_first_bar`)."""
    import mido

    from melody.core.quiet import quiet_import

    key_name_to_key_number = quiet_import("pretty_midi").key_name_to_key_number

    found: dict[str, list] = {"set_tempo": [], "time_signature": [], "key_signature": []}
    for track in midi.tracks:
        tick = 0
        for message in track:
            tick += message.time
            if message.type in found:
                found[message.type].append((tick, len(found[message.type]), message))
    tempi = sorted(found["set_tempo"], key=lambda item: item[:2])
    before = [message for tick, _, message in tempi if tick <= first_tick]
    tempo = mido.tempo2bpm(before[-1].tempo) if before and before[-1].tempo > 0 else DEFAULT_MIDI_TEMPO
    meter_text, barline_tick = "4/4", 0
    signatures = sorted(found["time_signature"], key=lambda item: item[:2])
    if signatures:
        tick, _, signature = signatures[0]
        later = [item for item in signatures if item[0] > tick]
        if later and _short_first_bar(signature, later[0][2], later[0][0] - tick, midi.ticks_per_beat):
            barline_tick, signature = later[0][0], later[0][2]
        meter_text = f"{signature.numerator}/{signature.denominator}"
    key = None
    if found["key_signature"]:
        number = key_name_to_key_number(min(found["key_signature"], key=lambda item: item[:2])[2].key)
        key = transpose_key("C major" if number < 12 else "C minor", number % 12)
    return tempo, meter_text, key, barline_tick


def _short_first_bar(first, following, ticks: int, resolution: int) -> bool:
    """True when time signature ``first`` lasts one of its bars (``ticks``, to the 16th)
    and that bar is shorter than one of ``following``: a pickup bar, e.g. 1/4 before 4/4."""
    sixteenths = round(ticks / (resolution * STEP_QL))
    return 0 < sixteenths == first.numerator * 16 / first.denominator < following.numerator * 16 / following.denominator


def melody_from_midi(data: bytes, title: str = "", strict: bool = True) -> Melody:
    """A Melody from monophonic MIDI bytes, quantised to the 16th-note grid by beats (ticks
    over the file's resolution, so tempo changes move nothing); ``strict``: the seed's
    duration filter too. The tempo is the one sounding at the first note. An accompaniment
    track (`_accompaniment_tracks`) is not melody: it gives the chords (`midi_chords`)."""
    return read_midi(data, title, strict).melody


def read_midi(data: bytes, title: str = "", strict: bool = True, lenient: bool = False):
    """`melody_from_midi` as a `melody.songs.lines.Reading`. ``lenient`` (a file given as a
    seed): of several parts (tracks or channels) the highest is read, of notes that start
    together the top one (`top_line`), and a triplet rounded to 16ths is said; otherwise notes
    that overlap are SongSkipped("polyphony"). Rests before the first note are a pickup."""
    import mido

    try:
        midi = mido.MidiFile(file=io.BytesIO(data))
        resolution = midi.ticks_per_beat
        if not 0 < resolution < 0x8000:
            raise ValueError(f"SMPTE or zero time division {resolution}")
    except Exception as error:  # mido raises many kinds on bad bytes
        raise SongSkipped("parse_error", f"not a readable MIDI file ({type(error).__name__})") from error
    melody_tracks, backing = _accompaniment_tracks(midi)
    notes = _midi_notes(melody_tracks)
    if not notes:
        raise SongSkipped("empty", "no notes")
    took, triplets = [], set()
    if lenient:
        line, took, triplets = _midi_top_line(notes, resolution)
        notes = [(start, end, pitch, None) for start, end, pitch in line]

    def step(tick: int) -> int:
        return round(tick / (resolution * STEP_QL))

    spans = [(step(start), max(step(start) + 1, step(end)), pitch) for start, end, pitch, _ in notes]
    rounded = [(spans[i][0] - spans[0][0], True) for i in sorted(triplets)]
    if lenient:
        spans = _apart(spans)
    lengths, position = [], spans[0][0]  # in steps, the silences between notes too
    for start, end, _ in spans:
        lengths.extend([max(start - position, 0) * STEP_QL, (end - start) * STEP_QL])
        position = max(position, end)
    check_lengths([length for length in lengths if length], spans[0][0] * STEP_QL)
    events: list[tuple[int | None, int]] = []
    position = spans[0][0]
    for (start, end, pitch), following in zip(spans, spans[1:] + [None]):
        next_start = following[0] if following is not None else end
        if following is not None and next_start < end and next_start <= start:
            raise SongSkipped("polyphony", f"two notes start together {_beats_in(start)}")
        if following is not None and next_start < end:
            raise SongSkipped("polyphony", f"two notes overlap {_beats_in(next_start)}")
        if start > position:
            events.append((None, start - position))
        events.append((pitch, end - start))
        if next_start > end:
            events.append((None, next_start - end))
        position = max(end, next_start)
    for _, steps in events:
        check_duration(steps * STEP_QL, strict)
    tempo, meter_text, key, barline_tick = _midi_meta(midi, notes[0][0])
    bar = _bar_or_skip(meter_text)
    leading = (spans[0][0] - step(barline_tick)) % bar  # where the first note falls in its bar
    pickup = min((bar - leading) % bar, sum(length for _, length in events))  # a phrase shorter than its pickup
    melody = Melody.from_events(
        events, meter=meter_text, pickup=pickup, tempo=round(clamp_tempo(tempo), 2), title=title
    )
    chords = midi_chords(midi, backing, spans[0][0], len(melody)) if backing else ()
    melody = melody.replace(key=key or detect_key(melody), chords=chords)
    return Reading(melody, tuple(took), tuple(rounded))


def _midi_top_line(notes, resolution: int) -> tuple[list[tuple[int, int, int]], list[str], set[int]]:
    """The top line (`top_line`) of the highest part (`highest`) of MIDI ``notes`` (start tick,
    end tick, pitch, part), what was taken, and the indices in it of notes a triplet's (their
    start or end off the 16th-note grid, on the grid of twelfths of a quarter)."""
    parts: dict[tuple[int, int], list] = {}
    for note in notes:
        parts.setdefault(note[3], []).append(note)
    took = []
    if len(parts) > 1:
        lines = list(parts.values())
        notes = lines[highest([[pitch for _, _, pitch, _ in line] for line in lines])]
        took.append(f"the top line of {len(parts)} parts")
    line, chords = top_line([(start, end, pitch) for start, end, pitch, _ in notes])
    took += ["the top note of each chord"] if chords else []
    triplets = set()
    for index, (start, end, _) in enumerate(line):
        start, end = start / resolution, end / resolution  # quarters
        if not (on_grid(start) and on_grid(end)) and on_grid(start, 12) and on_grid(end, 12):
            triplets.add(index)
    return line, took, triplets


def _apart(spans: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Spans (start, end, pitch) of one line, in steps, as rounding left them, made not to
    overlap: a note that rounds onto the start of the one before is left out, one that rounds
    into it cuts it short."""
    kept: list[tuple[int, int, int]] = []
    for start, end, pitch in spans:
        if kept and start <= kept[-1][0]:
            continue
        if kept and start < kept[-1][1]:
            kept[-1] = (kept[-1][0], start, kept[-1][2])
        kept.append((start, end, pitch))
    return kept


def _song_key(flat, trust_file_mode: bool = False):
    """The song's key: the file's, with major or minor settled by music21's analysis
    (unless ``trust_file_mode``: the file's own major or minor is trusted).

    Essen's ABC files give only a key signature (``K: F`` for a D minor song too), so
    where the analysed key shares the file's signature (the relative major or minor),
    the analysis names the mode; otherwise the file's key stands. Relative keys move by
    the same interval to C major / A minor, so the pitches never depend on this choice.
    """
    from music21 import key

    stated = [k for k in flat.getElementsByClass(key.Key) if k.mode in ("major", "minor")]
    if stated and trust_file_mode:
        return stated[0]
    keys = list(flat.getElementsByClass(key.Key)) or [
        ks.asKey("major") for ks in flat.getElementsByClass(key.KeySignature)
    ]
    analysed = flat.analyze("key")
    if not keys or analysed.sharps == keys[0].sharps:
        return analysed
    return keys[0]


MINOR_MODES = ("minor", "aeolian", "dorian", "phrygian", "locrian")


def key_name(found) -> str:
    """A music21 Key as ``"G major"`` / ``"D minor"``; church modes go to the nearer of the two."""
    mode = "minor" if found.mode in MINOR_MODES else "major"
    return f"{found.tonic.name.replace('-', 'b')} {mode}"


def detect_key(melody: Melody) -> str:
    """music21's key analysis (Krumhansl-Schmuckler) of a melody, e.g. ``"G major"``; a
    melody without notes keeps its key."""
    from melody.songs.stream import to_music21

    if not melody.pitches():
        return melody.key
    found = to_music21(melody).analyze("key")
    return key_name(found)
