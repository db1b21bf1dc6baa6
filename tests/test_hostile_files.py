"""Hostile and odd song files: each ends quickly with a Melody or the project's own
SongSkipped, the same in uploads and in load_corpus (preprocess, evaluate).

Bombs (a huge note, a huge .mxl) are refused on the parsed notes or the archive's
directory, before anything one entry per 16th is built; see melody/songs/reading.py.
"""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from melody.core.melody import Melody
from melody.songs.corpus import SongSkipped, load_corpus, melody_from_upload, upload_problem

LIMIT_S = 2.0
FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module", autouse=True)
def warm_music21():
    """Import music21 and its parsers once, so the timings below measure the reading only."""
    melody_from_upload("warm.abc", b"X:1\nL:1/4\nK:C\nC D E F|\n")
    melody_from_upload("warm.krn", b"**kern\n4c\n*-\n")


def _timed(name: str, data: bytes):
    """melody_from_upload's Melody or SongSkipped, and the seconds it took."""
    start = time.perf_counter()
    try:
        result = melody_from_upload(name, data)
    except SongSkipped as skip:
        result = skip
    return result, time.perf_counter() - start


def _refused(name: str, data: bytes, reason: str) -> SongSkipped:
    result, seconds = _timed(name, data)
    assert isinstance(result, SongSkipped) and result.reason == reason, result
    assert seconds < LIMIT_S, f"{name} took {seconds:.1f} s"
    return result


def _midi(ticks_per_beat: int, *messages) -> bytes:
    """A one-track MIDI file of mido messages (``(type, fields)``, times in ticks since the last)."""
    import mido

    song = mido.MidiFile(ticks_per_beat=ticks_per_beat)
    track = mido.MidiTrack()
    song.tracks.append(track)
    for kind, fields in messages:
        meta = kind in ("set_tempo", "time_signature")
        track.append(mido.MetaMessage(kind, **fields) if meta else mido.Message(kind, **fields))
    buffer = io.BytesIO()
    song.save(file=buffer)
    return buffer.getvalue()


def _quarters(pitches, ticks: int = 480):
    for pitch in pitches:
        yield "note_on", {"note": pitch, "velocity": 80, "time": 0}
        yield "note_off", {"note": pitch, "velocity": 0, "time": ticks}


def _mxl(score: bytes, name: str = "score.xml") -> bytes:
    buffer = io.BytesIO()
    container = f'<?xml version="1.0"?><container><rootfiles><rootfile full-path="{name}"/></rootfiles></container>'
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("META-INF/container.xml", container)
        archive.writestr(name, score)
    return buffer.getvalue()


def mxl_bomb(megabytes: int = 30) -> bytes:
    """An .mxl of ~30 KB whose score unpacks to ``megabytes`` MB of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("META-INF/container.xml", "<container/>")
        archive.writestr("score.xml", bytes(megabytes * 2**20))
    return buffer.getvalue()


ABC_BOMB = b"X:1\nM:4/4\nL:1/8\nK:C\nC4 D30000000\n"
MIDI_BOMB = _midi(1, ("note_on", {"note": 60, "velocity": 80, "time": 0}), ("note_off", {"note": 60, "time": 10**6}))
TWO_VOICES = b"""<?xml version="1.0" encoding="UTF-8"?>
<score-partwise version="3.1"><part-list><score-part id="P1"><part-name>M</part-name></score-part></part-list>
<part id="P1"><measure number="1"><attributes><divisions>1</divisions>
<time><beats>4</beats><beat-type>4</beat-type></time><clef><sign>G</sign><line>2</line></clef></attributes>
<note><pitch><step>C</step><octave>5</octave></pitch><duration>2</duration><voice>1</voice><type>half</type></note>
<note><pitch><step>D</step><octave>5</octave></pitch><duration>2</duration><voice>1</voice><type>half</type></note>
<backup><duration>4</duration></backup>
<note><pitch><step>C</step><octave>4</octave></pitch><duration>4</duration><voice>2</voice><type>whole</type></note>
</measure></part></score-partwise>"""
SPINE_SPLIT = b"**kern\n*M4/4\n*^\n4c\t2C\n4d\t.\n*v\t*v\n2e\n*-\n"


# ------------------------------------------------------------------------------- bombs
def test_a_note_of_fifteen_million_quarters_in_abc_is_refused_before_it_is_unrolled():
    skip = _refused("bomb.abc", ABC_BOMB, "long_note")
    assert "15,000,000 quarters" in skip.detail and "at most 64" in upload_problem("bomb.abc", skip)


def test_a_midi_note_of_a_million_quarters_at_one_tick_per_quarter_is_refused():
    skip = _refused("bomb.mid", MIDI_BOMB, "long_note")
    assert "1,000,000 quarters" in skip.detail


def test_an_mxl_that_unpacks_to_30_mb_is_refused_from_its_directory():
    bomb = mxl_bomb()
    assert len(bomb) < 100_000
    skip = _refused("bomb.mxl", bomb, "unpacks_too_large")
    assert "(30 MB in 2 files)" in upload_problem("bomb.mxl", skip)


def test_a_song_longer_than_8192_sixteenths_1024_notes_or_256_bars_is_refused():
    long_abc = b"X:1\nM:4/4\nL:1/4\nK:C\n" + b"C64 D64 |" * 40  # 80 notes of 16 bars: 20,480 sixteenths
    skip = _refused("long.abc", long_abc, "too_long")
    assert skip.detail == "it lasts 20,480 sixteenths" and "8,192 sixteenths" in upload_problem("long.abc", skip)
    # refused before music21 parses them (its ABC reader slows down with the square of the bars)
    assert _refused("many.abc", b"X:1\nL:1/16\nK:C\n" + b"CDEF" * 1100, "too_long").detail == "4,400 notes"
    assert _refused("bars.abc", b"X:1\nM:1/16\nL:1/16\nK:C\n" + b"C2|" * 1000, "too_long").detail == "1,000 bars"


# ------------------------------------------------------------------------------- voices
@pytest.mark.parametrize("name, data", [("two.musicxml", TWO_VOICES), ("split.krn", SPINE_SPLIT)])
def test_two_voices_in_one_part_are_polyphony_in_the_corpus_and_the_top_voice_in_uploads(tmp_path, name, data):
    (tmp_path / name).write_bytes(data)
    result = load_corpus([tmp_path], workers=1)
    assert not result.melodies and dict(result.skipped) == {"polyphony": 1}
    assert result.skipped_items[0][2] == "2 voices in one part"
    reading, seconds = _timed(name, data)
    assert isinstance(reading, Melody) and seconds < LIMIT_S  # the top voice (tests/test_upload_lines.py)


def test_the_two_voice_musicxml_in_an_mxl_gives_its_top_voice_too():
    assert melody_from_upload("two.mxl", _mxl(TWO_VOICES)).pitches() == [72, 74]


# ------------------------------------------------------------------------------- MIDI tempo
def test_midi_notes_after_a_tempo_change_keep_their_length_in_beats():
    data = _midi(
        480,
        ("set_tempo", {"tempo": 500_000, "time": 0}),  # 120 a minute
        *_quarters([60, 62, 64, 65]),
        ("set_tempo", {"tempo": 1_000_000, "time": 0}),  # 60 a minute: a quarter lasts twice as long
        *_quarters([67, 69, 71, 72]),
    )
    melody = melody_from_upload("tempo.mid", data)
    assert [event.length for event in melody.events()] == [4] * 8 and melody.tempo == 120.0
    assert melody.pitches() == [60, 62, 64, 65, 67, 69, 71, 72]


@pytest.mark.parametrize("microseconds, tempo", [(1, 400.0), (0xFFFFFF, 20.0)])
def test_a_midi_tempo_outside_20_to_400_is_clamped(microseconds, tempo):
    data = _midi(480, ("set_tempo", {"tempo": microseconds, "time": 0}), *_quarters([60, 62]))
    assert melody_from_upload("t.mid", data).tempo == tempo


def test_an_abc_tempo_of_a_billion_is_clamped():
    assert melody_from_upload("q.abc", b"X:1\nL:1/4\nQ:1/4=1000000000\nK:C\nC D E F|\n").tempo == 400.0


# ------------------------------------------------------------------------------- junk and empty files
def test_binary_junk_inside_an_abc_tune_is_a_parse_error_not_notes():
    _refused("junk.abc", b"X:1\nL:1/8\nK:C\nCDEF \x00\x01garbage%%%$$$ GABc\n", "parse_error")
    _refused("junk.krn", b"**kern\n4c\n4d\x07\n*-\n", "parse_error")


@pytest.mark.parametrize("suffix", [".abc", ".mid", ".krn", ".musicxml", ".mxl"])
def test_an_empty_file_is_empty_in_uploads(suffix):
    skip = _refused(f"song{suffix}", b"", "empty")
    assert skip.detail == "the file is empty"


def test_empty_files_are_counted_once_each_in_the_corpus(tmp_path):
    for suffix in (".abc", ".mid", ".krn", ".musicxml"):
        (tmp_path / f"song{suffix}").write_bytes(b"")
    (tmp_path / "blank.abc").write_bytes(b"\n\n  \n")
    result = load_corpus([tmp_path], workers=1)
    assert dict(result.skipped) == {"empty": 5} and result.read == 5
    details = {source.split("/")[-1]: detail for source, _, detail in result.skipped_items}
    assert details["song.mid"] == "the file is empty" and details["blank.abc#1"] == "no tune in the file"
    _refused("blank.abc", b"\n\n  \n", "empty")


# ------------------------------------------------------------------------------- properties
VALID = {
    ".abc": b"X:1\nT:Test\nM:3/4\nL:1/8\nK:G\nD2|G2 GA Bc|d4 B2|c2 A2 F2|G6|]\n",
    ".krn": b"**kern\n*M3/4\n*G:\n4d\n=1\n4g\n8g\n8a\n4b\n=2\n2.g\n*-\n",
    ".xml": TWO_VOICES.replace(b"<backup><duration>4</duration></backup>", b"").replace(b"<voice>2</voice>", b""),
    ".mid": _midi(480, ("set_tempo", {"tempo": 500_000, "time": 0}), *_quarters([67, 69, 71, 72])),
}
VALID[".musicxml"] = VALID[".xml"]
VALID[".mxl"] = _mxl(VALID[".xml"])


@st.composite
def hostile_bytes(draw, suffix: str):
    """Random bytes, or a valid file of the kind with some bytes changed, cut or repeated."""
    if draw(st.booleans()):
        return draw(st.binary(max_size=4096))
    data = bytearray(VALID[suffix])
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data) - 1))
        change = draw(st.sampled_from(["byte", "cut", "repeat"]))
        if change == "byte":
            data[at] = draw(st.integers(0, 255))
        elif change == "cut":
            del data[at : at + draw(st.integers(1, 64))]
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 32))] * draw(st.integers(1, 20))
        if not data:
            break
    return bytes(data[:8192])


@pytest.mark.parametrize("suffix", [".krn", ".abc", ".xml", ".musicxml", ".mxl", ".mid"])
def test_any_bytes_end_quickly_in_a_melody_or_songskipped(suffix):
    @given(hostile_bytes(suffix))
    @FUZZ
    def check(data):
        result, seconds = _timed(f"fuzz{suffix}", data)  # any other exception fails the test
        assert isinstance(result, (Melody, SongSkipped)) and seconds < LIMIT_S, (seconds, data[:80])

    check()


_SMALL = st.sampled_from(["", "2", "/2", "3/2", "4", "8", "16", "/", "//", "3", "6"])
_LENGTHS = st.one_of(
    _SMALL,
    _SMALL,
    _SMALL,
    _SMALL,
    st.integers(1, 600).map(str),
    st.integers(1, 10**12).map(str),
    st.integers(1, 10**9).map(lambda n: f"/{n}"),
    st.tuples(st.integers(1, 10**9), st.integers(1, 10**9)).map(lambda pair: f"{pair[0]}/{pair[1]}"),
)


_NOTES = st.tuples(st.sampled_from("CDEFGABcdefgabz"), _LENGTHS, st.sampled_from([" ", "", "|", " > ", " (3"]))


@given(st.lists(_NOTES, min_size=1, max_size=60))
@FUZZ
def test_any_abc_note_lengths_end_quickly_in_a_melody_or_songskipped(notes):
    tune = "X:1\nM:4/4\nL:1/8\nK:C\n" + "".join(f"{letter}{length}{gap}" for letter, length, gap in notes) + "\n"
    result, seconds = _timed("lengths.abc", tune.encode())
    assert isinstance(result, (Melody, SongSkipped)) and seconds < LIMIT_S, (seconds, tune[:200])
    if isinstance(result, Melody):
        assert 1 <= len(result) <= 4096 and max(event.length for event in result.events()) <= 256


# ------------------------------------------------------------ attacks found in review
_XML_HEAD = (
    b'<?xml version="1.0"?><score-partwise version="3.1"><part-list><score-part id="P1"><part-name/></score-part>'
    b'</part-list><part id="P1">'
)
_XML_METER = b"<attributes><divisions>1</divisions><time><beats>%d</beats><beat-type>4</beat-type></time></attributes>"
REVIEW_ATTACKS = {  # name -> (file name, bytes, reason); each took 4 s to minutes inside a parser before
    "abc-meter-99999": ("a.abc", b"X:1\nM:99999/4\nL:1/4\nK:C\nCDEF|\n", "bad_meter"),
    "abc-inline-meter-300": ("a.abc", b"X:1\nM:4/4\nL:1/4\nK:C\nCD[M:300/4]EF|\n", "bad_meter"),
    "krn-meter-99999": ("a.krn", b"**kern\n*M99999/4\n=1\n4c\n*-\n", "bad_meter"),
    "xml-meter-1000": (
        "a.xml",
        _XML_HEAD + b'<measure number="1">' + _XML_METER % 1000 + b"</measure></part></score-partwise>",
        "bad_meter",
    ),
    "krn-2000-interpretations": ("a.krn", b"**kern\n" + b"*M4/4\n" * 2000 + b"4c\n*-\n", "too_long"),
    "krn-300000-tokens-on-a-line": ("a.krn", b"**kern\n=1\n" + b" ".join([b"4c"] * 300_000) + b"\n*-\n", "too_large"),
    "krn-40000-tokens": ("a.krn", b"**kern\n=1\n" + b" ".join([b"4c"] * 40_000) + b"\n*-\n", "too_long"),
    "xml-20000-self-closing-bars": (
        "a.xml",
        _XML_HEAD + b"<measure/>" * 20_000 + b"</part></score-partwise>",
        "too_long",
    ),
    "xml-parts-faked-in-a-comment": (
        "a.xml",
        _XML_HEAD.replace(b"<part-list>", b"<!--" + b"<score-part>" * 100 + b"--><part-list>")
        + b'<measure number="2"></measure>' * 20_000
        + b"</part></score-partwise>",
        "too_long",
    ),
    "abc-250-bars-of-64-quarters": ("a.abc", b"X:1\nM:4/4\nL:1/4\nK:C\n" + b"C64 C64 C64 C64|" * 250, "too_long"),
    "abc-a-million-chord-symbols": ("a.abc", b"X:1\nM:4/4\nL:1/4\nK:C\n" + b'"Am"' * 1_000_000 + b"C|\n", "too_large"),
    "abc-4-mb-of-spaces": ("a.abc", b"X:1\nM:4/4\nL:1/4\nK:C\nC" + b" " * 4_000_000 + b"D|\n", "too_large"),
    "mid-5-mb-of-controllers": (
        "a.mid",
        b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0MTrk\x00\x4c\x4b\x40\x00\xb0\x07\x40"
        + b"\x00\x07\x40" * 1_666_000,
        "too_large",
    ),
}


@pytest.mark.parametrize("case", sorted(REVIEW_ATTACKS))
def test_attacks_found_in_review_are_refused_before_any_parser_works_on_them(case):
    name, data, reason = REVIEW_ATTACKS[case]
    _refused(name, data, reason)


def test_every_member_of_an_mxl_is_checked_not_only_those_named_xml():
    hidden = _XML_HEAD + b"<measure/>" * 20_000 + b"</part></score-partwise>"
    _refused("hidden.mxl", _mxl(hidden, name="score.dat"), "too_long")


def test_a_midi_phrase_shorter_than_its_pickup_and_a_zero_tempo_still_read():
    two_eighths_on_beat_3 = _midi(
        480,
        ("set_tempo", {"tempo": 0, "time": 0}),
        ("note_on", {"note": 67, "velocity": 80, "time": 960}),
        ("note_off", {"note": 67, "velocity": 0, "time": 240}),
        ("note_on", {"note": 69, "velocity": 80, "time": 0}),
        ("note_off", {"note": 69, "velocity": 0, "time": 240}),
    )
    song = melody_from_upload("short.mid", two_eighths_on_beat_3)
    assert song.steps == ("67", "_", "69", "_") and song.pickup == 4 and song.tempo == 120.0


def test_a_musicxml_gap_is_a_rest_not_dropped():
    note = b"<note><pitch><step>%s</step><octave>4</octave></pitch><duration>1</duration><type>quarter</type></note>"
    gap = (
        _XML_HEAD
        + b'<measure number="1">'
        + _XML_METER % 4
        + note % b"C"
        + b"<forward><duration>2</duration></forward>"
    )
    song = melody_from_upload("gap.musicxml", gap + note % b"D" + b"</measure></part></score-partwise>")
    assert song.steps == ("60", "_", "_", "_", "r", "_", "_", "_", "_", "_", "_", "_", "62", "_", "_", "_")


def test_a_tune_of_32nd_notes_only_is_skipped_not_an_empty_melody():
    """Found by the fuzz test above on a fresh clone: "C//" (a 32nd) rounds to nothing on the
    16th grid, and the reader gave an empty melody instead of saying why."""
    result, _ = _timed("lengths.abc", b"X:1\nM:4/4\nL:1/8\nK:C\nC// \n")
    assert isinstance(result, SongSkipped) and result.reason == "bad_duration"
