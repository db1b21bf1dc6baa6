"""`melody.studio.uploads.after_upload`, the studio's upload decision without Streamlit: a good
file's opening becomes the seed, a bad one or a file taken out changes nothing but the error."""

from melody.songs.lines import Reading
from melody.songs.typed import parse_seed
from melody.studio.uploads import Upload, after_upload

WALTZ = parse_seed("62 _ _ _ 67 _ _ _ 69 _ _ _ 71 _ _ _ 72 _ _ _ 71 _ _ _ 69 _ _ _ 67", meter="3/4", pickup=4)
KEPT = Upload("waltz.abc", WALTZ.opening(2))


def test_a_good_file_becomes_the_seed_with_the_notes_of_its_opening():
    reading = Reading(WALTZ, took=("the top line of 2 parts",), rounded=((5, True), (28, True)))  # bars 1 and 3
    step = after_upload(None, "duet.abc", reading)
    assert step.seed == WALTZ.opening(2) and step.error is None
    notes = ("Took the top line of 2 parts.", "A triplet in bar 1 was rounded to 16ths.")
    assert step.upload == Upload("duet.abc", WALTZ.opening(2), notes)


def test_a_bad_file_or_one_taken_out_changes_nothing_but_the_error():
    taken_out = after_upload(KEPT, None, None)
    assert (taken_out.upload, taken_out.error, taken_out.seed) == (KEPT, None, None)
    bad = after_upload(KEPT, "broken.mid", "broken.mid cannot be used: the file could not be read as music")
    assert (bad.upload, bad.seed) == (KEPT, None) and bad.error.startswith("broken.mid cannot be used")
    five = after_upload(KEPT, "five.abc", Reading(parse_seed("60 _ _ _", meter="5/4")))
    assert (five.upload, five.seed) == (KEPT, None) and "five.abc is in 5/4" in five.error
    assert after_upload(None, "broken.mid", "...").upload is None
