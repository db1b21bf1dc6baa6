import pytest
from conftest import DATA

from melody.core.melody import Melody
from melody.songs.corpus import load_corpus, split_abc_tunes
from melody.songs.keys import to_model_key


@pytest.fixture(scope="module")
def test_songs():
    return load_corpus([DATA], workers=1)


def test_kept_songs_are_transposed_to_c_major_or_a_minor(test_songs):
    by_source = {source.split("/")[-1]: m for m, source in zip(test_songs.melodies, test_songs.sources)}
    g_major = by_source["major_g.krn"]  # d | g g a b | a. g f# | g.  in G, moved up 5 to C
    assert g_major.key == "C major" and g_major.meter == "3/4" and g_major.pickup == 4
    assert g_major.pitches() == [67, 72, 72, 74, 76, 74, 72, 71, 72]
    assert g_major.steps[12:18] == ("76", "_", "_", "_", "74", "_")  # quarter b, dotted-quarter a
    minor = by_source["two_tunes.abc#1"]
    assert minor.key == "A minor" and minor.meter == "6/8" and minor.pickup == 2
    assert minor.pitches()[:3] == [64, 69, 71]  # A | d e  in D minor, moved down 5 to A minor


def test_songs_off_the_grid_are_skipped_with_reasons(test_songs):
    assert dict(test_songs.skipped) == {"bad_duration": 2}
    details = {source.split("/")[-1]: detail for source, _, detail in test_songs.skipped_items}
    assert "0.333333" in details["triplets.krn"] and "2.5" in details["two_tunes.abc#2"]
    assert test_songs.read == 4


def test_abc_files_split_into_tunes_with_the_header():
    tunes = split_abc_tunes("%%comment\nL:1/8\nX:1\nK:C\nc\nX:2\nK:G\nd\n")
    assert len(tunes) == 2 and all("L:1/8" in t for t in tunes) and tunes[1].startswith("X:2")


def test_music21_german_essen_songs_parse(tiny_corpus):
    assert all(m.key in ("C major", "A minor") for m in tiny_corpus.melodies)
    assert sum(tiny_corpus.skipped.values()) + len(tiny_corpus.melodies) == 27


# polyphonic and unreadable MIDI: see the catalogue in test_bad_inputs.py


def test_to_model_key_takes_the_smallest_move():
    assert to_model_key(Melody(("66",), key="F# major")).pitches() == [72]  # up 6 (a tritone either way)
    assert to_model_key(Melody(("67",), key="G major")).pitches() == [72]  # up 5, not down 7
    assert to_model_key(Melody(("65",), key="F minor")).pitches() == [69]  # F minor -> A minor: up 4


def test_every_format_loads_from_a_folder(tmp_path):
    from melody.output.midi import to_midi_bytes
    from melody.songs.stream import to_music21
    from melody.songs.typed import parse_seed

    melody = parse_seed("67 _ 67 _ 69 _ 71 _ _ _ 72 _ _ _ _ _", key="G major")
    to_music21(melody).write("mxl", fp=str(tmp_path / "a.mxl"))
    (tmp_path / "nested").mkdir()
    to_music21(melody).write("musicxml", fp=str(tmp_path / "nested" / "b.musicxml"))
    (tmp_path / "c.mid").write_bytes(to_midi_bytes(melody))
    (tmp_path / "broken.krn").write_text("**kern\n*M4/4\nthis is not kern\n*-\n")
    (tmp_path / "notes.txt").write_text("not a song file, ignored")
    result = load_corpus([tmp_path], workers=1)
    expected = melody.transpose(5).steps  # G major -> C major
    assert [m.steps for m in result.melodies] == [expected] * 3
    assert result.skipped_items[0][0].endswith("broken.krn") and result.read == 4


def test_a_missing_corpus_path_is_named():
    from melody.songs.corpus import CorpusError

    with pytest.raises(CorpusError, match="no such file or folder"):
        load_corpus(["/no/such/songs"], workers=1)


def test_uploads_become_melodies_in_their_own_key():
    from melody.output.midi import to_midi_bytes
    from melody.songs.corpus import melody_from_upload
    from melody.songs.typed import parse_seed

    abc = (DATA / "two_tunes.abc").read_bytes()
    assert melody_from_upload("tunes.abc", abc).key == "D minor"  # the first tune, in its own key
    g = parse_seed("67 _ 71 _ 74 _ _ _", key="G major")
    uploaded = melody_from_upload("x.mid", to_midi_bytes(g))
    assert (uploaded.steps, uploaded.key) == (g.steps, "G major")
    # bad uploads: see the catalogue in test_bad_inputs.py


def test_musicxml_key_and_tempo_are_read_as_the_file_states_them():
    from music21 import duration, tempo
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    from melody.output.engrave import to_musicxml_bytes
    from melody.songs.corpus import melody_from_upload
    from melody.songs.stream import to_music21

    d_minor = Melody(tuple("62 _ 65 _ 69 _ 65 _ 62 _ 64 _ 61 _ 62 _ _ _".split()), key="D minor")
    stated = to_musicxml_bytes(d_minor)
    assert melody_from_upload("d.musicxml", stated).key == "D minor"
    unstated = stated.replace(b"<mode>minor</mode>", b"")  # only the key signature: one flat
    assert melody_from_upload("d.musicxml", unstated).key == "D minor"  # analysed, not taken as F major

    jig = to_music21(Melody(tuple("67 _ 69 _ 71 _ 72 _ _ _ _ _".split()), meter="6/8"))
    mark = next(iter(jig.recurse().getElementsByClass(tempo.MetronomeMark)))
    mark.number, mark.referent = 60, duration.Duration(1.5)  # dotted quarter = 60
    assert melody_from_upload("jig.musicxml", GeneralObjectExporter(jig).parse()).tempo == 90.0


def test_a_title_keeps_the_files_case_and_gets_back_umlauts_its_code_page_held(tmp_path):
    from melody.songs.corpus import parse_task, tasks_for_file
    from melody.songs.titles import essen_spelling, file_title

    tune = "M:4/4\nL:1/8\nK:G\nGABc dedB|dedB dedB|c2ec B2dB|c2A2 A4|\n"
    song = tmp_path / "titles.abc"  # as music21's lot.abc: code page 437 read as Latin-1 ("\x94" is "ö")
    song.write_text(f"X:1\nT: Dreik\x94nigslied\n{tune}\nX:2\nT: HAENSCHEN KLEIN\n{tune}", encoding="utf-8")
    titles = [parse_task(task).title for task in tasks_for_file(song)]
    assert titles == ["Dreikönigslied", "HAENSCHEN KLEIN"]  # no guessed case (was "Haenschen Klein")
    assert file_title("Die Flucht nach \x8egypten") == "Die Flucht nach Ägypten" and file_title("Michael") == "Michael"
    assert essen_spelling("Sah ein Knab ein Röslein stehn") == essen_spelling("SAH EIN KNAB EIN ROESLEIN STEHN")
