"""The traditions' sources (`melody.songs.traditions`) and their counts
(`melody.train.traditions_report`): kept and skipped tunes, triplets counted, a run resumed."""

import json

from melody.songs.corpus import Task
from melody.songs.traditions import TRADITIONS, Tradition, collection_of
from melody.train.traditions_report import count_tune, tradition_counts

TRIPLETS = "X:1\nT:Triplets\nM:2/4\nL:1/8\nK:G\nG A (3Bcd | e2 d2 |]\n"
PLAIN = "X:2\nT:Plain\nM:3/4\nL:1/4\nK:D\nD E F | A2 F | D3 |]\n"


def test_every_tradition_has_its_files_offline():
    files = {style: tradition.files() for style, tradition in TRADITIONS.items()}
    assert {collection_of(p) for p in files["chinese"]} == {"han"}
    assert {collection_of(p) for p in files["irish-british"]} == {
        "oneills1850",
        "ryansMammoth",
        "airdsAirs",
        "nottingham",
    }
    assert len(files["german"]) == 21 and all(p.exists() for paths in files.values() for p in paths)
    for tradition in TRADITIONS.values():  # one sentence each, for the people choosing it
        assert tradition.origin.endswith(".") and tradition.origin.count(". ") == 0


def test_a_triplet_tune_is_skipped_and_its_triplet_notes_counted():
    row = count_tune(Task("t.abc#1", "t.abc", "abc", TRIPLETS))
    assert (row["kept"], row["skip"], row["triplet_notes"], row["notes"]) == (False, "bad_duration", 3, 7)
    row = count_tune(Task("t.abc#2", "t.abc", "abc", PLAIN))
    assert (row["kept"], row["meter"], row["notes"]) == (True, "3/4", 6)


def test_counts_per_tradition_and_a_resumed_run(tmp_path):
    path = tmp_path / "tunes.abc"
    path.write_text(TRIPLETS + "\n" + PLAIN)
    tiny = Tradition("tiny", "Tiny", "Two tunes.", "2/4", 90, "Flute", lambda: [path])
    counts = tradition_counts(tiny, workers=1, cache=tmp_path / "cache")
    assert (counts["tunes"], counts["kept"], counts["skipped"]) == (2, 1, {"bad_duration": 1})
    assert counts["tunes_with_triplets"] == 1 and counts["triplet_note_share"] == round(3 / 13, 4)
    assert counts["kept_if_triplets_rounded"] == 2
    cached = (tmp_path / "cache" / "tiny.jsonl").read_text().splitlines()
    (tmp_path / "cache" / "tiny.jsonl").write_text(cached[0] + "\n" + cached[1][:10])  # killed mid-line
    again = tradition_counts(tiny, workers=1, cache=tmp_path / "cache")
    assert again == counts
    rows = [json.loads(line) for line in (tmp_path / "cache" / "tiny.jsonl").read_text().splitlines()]
    assert [row["source"] for row in rows] == [f"{path}#1", f"{path}#2"]  # the cut line read again, whole
