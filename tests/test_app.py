"""Streamlit AppTest of the studio: each control, a new melody each click, a melody brought
back by its number or its link, results marked out of date, and errors beside their box."""

import pyarrow
import pytest
from conftest import SHIPPED_MODEL, app_test

from melody.core.safe_text import unescaped
from melody.songs.keys import in_key

pytestmark = pytest.mark.shipped_model

EXAMPLE = "67 _ 67 _ 67 _ _ 65 64 _ 64 _ 64 _ _"
STALE = "Settings changed since this melody was made"


@pytest.fixture
def app(monkeypatch):
    monkeypatch.setenv("FOLK_MODEL", str(SHIPPED_MODEL))
    at = app_test()
    return at.run()


def seed_box(at):
    return at.text_input(key="seed:text")


def generate(at):
    at.button(key="generate").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    return at


def symbols(at, index=0):
    return at.text[index].value.split()


def variation_tabs(at) -> list[str]:
    """The labels of the result's tabs, one per variation ("#48213-1" ...); the seed's own tabs
    ("Sing or hum", "A song file") are not among them."""
    return [tab.label for tab in at.tabs if tab.label.startswith("#")]


def stale(at) -> bool:
    return any(STALE in w.value for w in at.warning)


def test_generate_shows_score_audio_notes_charts_and_named_downloads(app):
    app.select_slider(key="temperature").set_value(0.0)  # safest: the likeliest song
    app.slider(key="bars").set_value(4)
    generate(app)
    assert symbols(app)[:15] == EXAMPLE.split() and len(symbols(app)) == 4 * 16
    images = app.get("image")
    assert len(images) == 2  # the seed's small score and the melody's
    assert len(app.get("audio")) == 1
    downloads = app.get("download_button")
    assert [d.label for d in downloads] == ["⬇ MIDI", "⬇ MusicXML", "⬇ WAV", "⬇ PDF", "⬇ ABC"]  # PDF: the handout
    number = app.session_state["studio"].result.recipe.number
    assert any(f"#{number}" in m.value for m in app.markdown)
    assert any(f"melody #{number}" in c.value for c in app.caption)
    assert not app.get("vega_lite_chart")  # measured on request only
    app.toggle(key="surprise-0").set_value(True).run()
    charts = app.get("vega_lite_chart")
    assert len(charts) == 2  # piano roll and surprise strip
    for chart in charts:  # one row per note, named (G4), with the chance the model gave it
        table = pyarrow.ipc.open_stream(chart.proto.data.data).read_all()
        assert {"beat", "pitch", "name", "bits", "chance"} <= set(table.column_names) and table.num_rows > 5
        assert table.column("name").to_pylist()[0] == "G4"
    assert "G4 8th, G4 8th" in " ".join(m.value for m in app.markdown)  # the notes in words


def test_each_click_is_a_new_melody_and_its_number_brings_it_back(app):
    app.slider(key="bars").set_value(8)  # long enough that two numbers never make the same song
    app.select_slider(key="temperature").set_value(1.2)
    first = symbols(generate(app))
    first_number = app.session_state["studio"].result.recipe.number
    second = symbols(generate(app))
    assert app.session_state["studio"].result.recipe.number != first_number and second != first
    app.number_input(key="recall_number").set_value(first_number)
    app.button(key="recall").click().run()
    assert not app.exception and symbols(app) == first
    assert app.session_state["studio"].result.recipe.number == first_number


def test_the_link_holds_the_recipe_and_a_fresh_session_makes_the_same_melody(app, monkeypatch):
    app.selectbox(key="ready").set_value("Waltz opening (3/4)").run()
    app.slider(key="bars").set_value(8)
    app.select_slider(key="temperature").set_value(1.2)
    app.slider(key="variations").set_value(2)
    app.selectbox(key="output_key").set_value("D major")
    app.selectbox(key="instrument").set_value("Violin")
    generate(app)
    query = dict(app.query_params)
    assert query["ready"] == "waltz" and query["bars"] == "8" and query["form"] == "ABAC" and query["meter"] == "3/4"
    assert query["t"] == "1.2" and query["n"] == "2" and query["key"] == "D major" and query["inst"] == "Violin"
    made = [symbols(app, 0), symbols(app, 1)]
    fresh = app_test()
    fresh.query_params.update(query)
    fresh.run()
    assert not fresh.exception and not fresh.error
    assert [symbols(fresh, 0), symbols(fresh, 1)] == made  # generated on load, no click
    assert fresh.selectbox(key="instrument").value == "Violin" and not stale(fresh)


def test_a_typed_seed_travels_in_the_link(app):
    seed_box(app).set_value("D4 E4 F#4 A4").run()
    assert app.selectbox(key="ready").value.startswith("Your own notes")
    app.slider(key="bars").set_value(4)
    generate(app)
    assert app.query_params["seed"] == "D4 E4 F#4 A4" and "ready" not in app.query_params
    assert symbols(app)[:16] == "62 _ _ _ 64 _ _ _ 66 _ _ _ 69 _ _ _".split()


def test_a_bad_link_value_is_named_and_the_rest_still_works(monkeypatch):
    monkeypatch.setenv("FOLK_MODEL", str(SHIPPED_MODEL))
    at = app_test()
    at.query_params.update({"ready": "scale", "bars": "999", "melody": "12"})
    at.run()
    assert not at.exception and any("bars" in w.value for w in at.warning)
    assert at.session_state["studio"].result.recipe.number == 12 and at.slider(key="bars").value == 16


def test_a_link_to_a_ready_seed_gets_its_meter_and_an_odd_meter_is_named(monkeypatch):
    monkeypatch.setenv("FOLK_MODEL", str(SHIPPED_MODEL))
    at = app_test()
    at.query_params.update({"ready": "waltz", "bars": "4", "melody": "5"})
    at.run()
    assert not at.exception and at.selectbox(key="meter").value == "3/4"  # the waltz's own, not 4/4
    odd = app_test()
    odd.query_params.update({"seed": "C4 E4", "meter": "99/1", "bars": "4", "melody": "5"})
    odd.run()
    assert not odd.exception and any("meter" in w.value for w in odd.warning)
    assert odd.selectbox(key="meter").value == "4/4"


@pytest.mark.parametrize(
    "change",
    [
        lambda at: at.slider(key="bars").set_value(8),
        lambda at: at.select_slider(key="temperature").set_value(1.5),
        lambda at: at.selectbox(key="meter").set_value("3/4"),
        lambda at: at.number_input(key="pickup").set_value(2),
        lambda at: at.selectbox(key="seed_key").set_value("A minor"),
        lambda at: seed_box(at).set_value("C4 E4 G4"),
        lambda at: at.selectbox(key="ready").set_value("Rising scale"),
        lambda at: at.slider(key="variations").set_value(2),
        lambda at: at.number_input(key="top_k").set_value(3),
        lambda at: at.number_input(key="max_seq_len").set_value(16),
        lambda at: at.selectbox(key="form").set_value("AABB"),
    ],
    ids=[
        "bars",
        "temperature",
        "meter",
        "pickup",
        "seed_key",
        "seed",
        "ready",
        "variations",
        "top_k",
        "window",
        "form",
    ],  # fmt: skip
)
def test_a_changed_control_marks_the_result_out_of_date_until_generate(app, change):
    app.slider(key="bars").set_value(4)
    generate(app)
    assert not stale(app)
    change(app)
    app.run()
    assert not app.exception and stale(app)
    generate(app)
    assert not stale(app)


def test_key_tempo_and_instrument_change_the_melody_on_the_page_not_the_melody(app):
    # the same tune, moved, slower, on a flute: no new melody, and the link says so
    app.slider(key="bars").set_value(4)
    generate(app)
    result = app.session_state["studio"].result
    number, [made] = result.recipe.number, result.melodies
    app.selectbox(key="output_key").set_value("D major")
    app.slider(key="tempo").set_value(140)
    app.selectbox(key="instrument").set_value("Flute").run()
    assert not app.exception and not stale(app)
    result = app.session_state["studio"].result
    assert result.recipe.number == number and result.melodies == [made]
    assert (result.recipe.key, result.recipe.tempo, result.recipe.instrument) == ("D major", 140, "Flute")
    assert app.query_params["key"] == "D major" and app.query_params["inst"] == "Flute"
    assert any(f"#{number}" in m.value and "D major" in m.value and "140 bpm" in m.value for m in app.markdown)
    [shown] = [m for m, _program in result.views]
    assert shown.key == "D major" and shown.tempo == 140
    assert shown.pitches()[: len(made.pitches())] == in_key(made, "D major").pitches()


def test_a_ready_seed_carries_its_meter_and_pickup(app):
    app.selectbox(key="ready").set_value("Waltz opening (3/4)").run()
    assert app.selectbox(key="meter").value == "3/4" and app.number_input(key="pickup").value == 4
    app.slider(key="bars").set_value(4)
    generate(app)
    [melody] = app.session_state["studio"].result.melodies
    assert (melody.meter, melody.pickup) == ("3/4", 4)


def test_a_real_song_seed_in_a_far_key_generates_and_scores_its_notes(app):
    # a real song keeps meter, pickup and key editable (prefilled from the song) and names its origin
    song = next(o for o in app.selectbox(key="ready").options if "Mai" in o)
    app.selectbox(key="ready").set_value(song).run()
    assert app.selectbox(key="meter").value == "3/4" and app.number_input(key="pickup").value == 4
    assert app.selectbox(key="seed_key").value == "C major"
    assert any("from Deutschland" in c.value for c in app.caption)
    app.selectbox(key="meter").set_value("6/8").run()  # a real song in 6/8
    app.number_input(key="pickup").set_value(0)
    app.selectbox(key="seed_key").set_value("E minor")
    app.slider(key="bars").set_value(4)
    generate(app)
    [melody] = app.session_state["studio"].result.melodies
    assert (melody.meter, melody.pickup, melody.key) == ("6/8", 0, "E minor")
    app.toggle(key="surprise-0").set_value(True).run()
    assert len(app.get("audio")) == 1 and len(app.get("vega_lite_chart")) == 2
    app.switch_page("pages/1_How_it_works.py").run()
    assert not app.exception and not app.error
    assert any("The melody you generated last" in c.value for c in app.caption)


def test_the_seed_key_is_found_from_the_notes_or_chosen(app):
    seed_box(app).set_value("D4 _ F#4 _ A4 _ D5 _ _ _ A4 _ F#4 _ D4 _").run()
    assert any("D major (found from the notes)" in c.value for c in app.caption)
    app.slider(key="bars").set_value(4)
    generate(app)
    assert symbols(app)[0] == "62" and any("D major" in m.value for m in app.markdown)
    app.selectbox(key="seed_key").set_value("B minor").run()  # the same notes, read in B minor
    assert any("B minor" in c.value for c in app.caption) and not app.error


def test_note_names_without_holds_are_quarter_notes_with_a_hint(app):
    seed_box(app).set_value("C4, D4, E4").run()
    assert any("each note is a quarter note" in c.value for c in app.caption)
    assert any("C4 quarter, D4 quarter, E4 quarter" in c.value for c in app.caption)


def test_a_bad_seed_shows_its_error_under_the_box_and_generate_waits(app):
    seed_box(app).set_value("60 H4 62").run()
    assert not app.exception and "'H4'" in app.error[0].value
    assert app.button(key="generate").disabled
    seed_box(app).set_value("60 _ 62").run()
    assert not app.error and not app.button(key="generate").disabled


def test_variations_are_tabs_in_any_of_the_24_keys(app):
    app.slider(key="variations").set_value(3)
    assert len(app.selectbox(key="output_key").options) == 25  # the seed's key, or any of the 24
    app.selectbox(key="output_key").set_value("D minor")
    app.slider(key="bars").set_value(4)
    generate(app)
    assert len(variation_tabs(app)) == 3 and len(app.get("audio")) == 3
    # the seed's G4 G4 G4 F4 E4 in C major becomes A4 A4 A4 G4 F4 in D minor (F#, the 3rd, lowered)
    assert symbols(app)[:9] == ["69", "_", "69", "_", "69", "_", "_", "67", "65"]
    assert len({" ".join(symbols(app, i)) for i in range(3)}) == 3


def test_top_k_and_the_window(app):
    app.number_input(key="top_k").set_value(1)  # top-1: the likeliest step each time, whatever the number
    app.slider(key="bars").set_value(4)
    top1 = symbols(generate(app))
    assert symbols(generate(app)) == top1 and len(top1) == 4 * 16
    app.number_input(key="top_k").set_value(0)
    app.number_input(key="max_seq_len").set_value(8)
    assert symbols(generate(app))[:15] == EXAMPLE.split()


def test_tempo_and_instrument_reach_the_melody(app):
    app.slider(key="tempo").set_value(150)
    app.selectbox(key="instrument").set_value("Flute")
    app.slider(key="bars").set_value(4)
    generate(app)
    assert app.session_state["studio"].result.melodies[0].tempo == 150 and "150 bpm" in app.markdown[0].value


def test_an_unexpected_error_is_one_message_and_does_not_stick(app, monkeypatch):
    import melody.generate.generator
    import melody.studio.click

    real = melody.generate.generator.generate

    def broken(*args, **kwargs):
        raise RuntimeError("a bug nobody foresaw")

    monkeypatch.setattr(melody.generate.generator, "generate", broken)
    never = staticmethod(lambda future, made_for, recipe: None)
    monkeypatch.setattr(melody.studio.click.Ahead, "take", never)  # made on the click
    app.slider(key="bars").set_value(4)
    app.button(key="generate").click().run()
    assert not app.exception  # no traceback on the page
    [error] = app.error
    assert "Something went wrong while making the melody (RuntimeError)" in error.value
    assert "a bug nobody foresaw" not in error.value  # internals stay in the server's log
    monkeypatch.setattr(melody.generate.generator, "generate", real)
    generate(app)
    assert len(app.get("audio")) == 1


def test_an_upload_is_read_once_not_on_every_rerun(app, monkeypatch):
    # ...and it visibly replaces the ready seed
    from conftest import DATA

    import melody.songs.corpus

    calls = []
    real = melody.songs.corpus.song_from_upload

    def counted(name, data):
        calls.append(name)
        return real(name, data)

    monkeypatch.setattr(melody.songs.corpus, "song_from_upload", counted)
    app.run()  # the page's upload callback now sees the counting reader
    app.file_uploader(key="upload").set_value(("tunes.abc", (DATA / "two_tunes.abc").read_bytes(), "text/plain")).run()
    assert app.selectbox(key="ready").value == "Your file: tunes.abc"
    assert seed_box(app).value.startswith("A4 _ D5")  # its own opening, as note names
    app.select_slider(key="temperature").set_value(0.4).run()  # widget changes rerun the page...
    app.slider(key="bars").set_value(4).run()
    generate(app)
    assert len(app.get("audio")) == 1
    assert calls == ["tunes.abc"]  # ...but the file was parsed once
    app.file_uploader(key="upload").set_value(None).run()  # taken out: the seed stays (a browser does so on replacing)
    assert app.selectbox(key="ready").value == "Your file: tunes.abc"
    app.selectbox(key="ready").set_value("Falling thirds (the example)").run()  # the menu goes back
    assert seed_box(app).value == "G4 _ G4 _ G4 _ _ F4 E4 _ E4 _ E4 _ _"


def test_settings_survive_a_visit_to_another_page(app):
    app.selectbox(key="form").set_value("free").run()
    app.slider(key="bars").set_value(5)
    generate(app)
    app.switch_page("pages/2_The_model.py").run()
    app.switch_page("app.py").run()
    assert not app.exception and app.slider(key="bars").value == 5 and not stale(app)


def test_a_form_sings_whole_phrases_and_names_itself(app):
    app.selectbox(key="form").set_value("free").run()
    app.slider(key="bars").set_value(10).run()
    app.selectbox(key="form").set_value("ABAB").run()  # four phrases: the length moves to whole ones
    assert app.slider(key="bars").value in (8, 12) and app.slider(key="bars").proto.step == 4
    generate(app)
    [melody] = app.session_state["studio"].result.melodies
    assert melody.form == "ABAB" and "form ABAB" in app.markdown[0].value and app.query_params["form"] == "ABAB"
    assert b"<rehearsal" in next(iter(app.session_state["studio"].result.views.values())).musicxml


def test_a_pickup_too_long_for_a_new_meter_is_shortened_not_an_error(app):
    app.selectbox(key="meter").set_value("4/4").run()
    app.number_input(key="pickup").set_value(12).run()
    app.selectbox(key="meter").set_value("2/4").run()  # a bar of 8 sixteenths
    assert not app.exception and app.number_input(key="pickup").value == 7


def test_an_upload_in_a_meter_the_studio_does_not_write_is_refused_by_name(app):
    five = b"X:1\nT:Five\nM:5/4\nL:1/4\nK:C\nC D E F G|A B c d e|G F E D C|C5|\n"
    app.file_uploader(key="upload").set_value(("five.abc", five, "text/plain")).run()
    assert not app.exception and any(
        "5/4" in unescaped(e.value) and "five.abc" in unescaped(e.value) for e in app.error
    )
    assert not app.selectbox(key="ready").value.startswith("Your file")  # the seed stays what it was


def test_the_chords_switch_puts_chords_under_the_same_melody_at_once(app):
    app.slider(key="bars").set_value(4)
    generate(app)
    recipe, [melody] = app.session_state["studio"].result.recipe, app.session_state["studio"].result.melodies
    assert recipe.chords and app.query_params["chords"] == "1"
    words = " ".join(m.value for m in app.markdown)
    last = [word for word in words.split("Chords, bar by bar: ")[1].split() if word not in "|%"][-1]
    assert last == "C"  # the last chord is the tonic (% in the last bar: it goes on)
    with_chords = app.get("audio")[0].proto.url
    app.toggle(key="chords").set_value(False).run()
    assert not app.exception and not stale(app)  # the same melody, now without chords: not out of date
    assert app.session_state["studio"].result.melodies == [melody] and app.query_params["chords"] == "0"
    assert "Chords, bar by bar" not in " ".join(m.value for m in app.markdown)
    assert app.get("audio")[0].proto.url != with_chords  # another sound


def test_the_next_melody_is_made_ahead_and_the_next_click_takes_it(app):
    app.slider(key="bars").set_value(4).run()
    assert "_ahead" not in app.session_state  # nothing is made ahead before a first result
    generate(app)
    ahead = app.session_state["studio"].ahead
    made = ahead[1].result(timeout=60)  # made in the background while the page waits
    assert made.recipe.bars == 4 and made.recipe.number is not None and made.views
    generate(app)
    recipe, melodies = app.session_state["studio"].result.recipe, app.session_state["studio"].result.melodies
    assert recipe.number == made.recipe.number and melodies == made.melodies
    assert app.session_state["studio"].ahead[1] is not ahead[1]  # and the one after it is on its way
    app.slider(key="bars").set_value(8).run()  # other settings: another melody is made ahead
    assert app.session_state["studio"].ahead[0].bars == 8


def test_a_variation_has_one_name_on_its_tab_its_score_and_its_files(app):
    app.slider(key="variations").set_value(2)
    app.button(key="generate").click().run()
    number = app.session_state["studio"].result.recipe.number
    assert variation_tabs(app) == [f"#{number}-1", f"#{number}-2"]
    titles = [m.title for m in app.session_state["studio"].result.melodies]
    assert titles == [f"Folk melody #{number}-1", f"Folk melody #{number}-2"]  # the score's title
    from melody.output.files import download_name

    melody = app.session_state["studio"].result.melodies[1]
    assert download_name(melody, None, ".mid").startswith(f"folk-melody-{number}-2-")


def test_note_names_german_and_solfege_read_the_seed_and_a_switch_rewrites_the_box(app):
    app.selectbox(key="names").set_value("german").run()
    seed_box(app).set_value("G4 _ A4 _ H4 _ C5 _ D5 _ Fis5 _").run()
    assert not app.error and any("H4 8th" in c.value and "Fis5 8th" in c.value for c in app.caption)
    app.selectbox(key="names").set_value("english").run()
    assert seed_box(app).value == "G4 _ A4 _ B4 _ C5 _ D5 _ F#5 _"
    app.selectbox(key="names").set_value("solfege").run()
    assert seed_box(app).value.startswith("sol4 _ la4 _ si4 _ do5 _ re5 _")
    app.selectbox(key="names").set_value("german").run()
    seed_box(app).set_value("F4 _ G4 _ A4 _ B4 _ C5 _").run()  # German B is B flat
    assert any("B4 8th" in c.value and "F major" in c.value for c in app.caption)
    app.slider(key="bars").set_value(4)
    generate(app)
    assert app.query_params["names"] == "german"
    app.toggle(key="surprise-0").set_value(True).run()  # the charts name the notes the same way
    roll = app.get("vega_lite_chart")[0].proto.spec
    assert '\\"H\\"' in roll or '"H"' in roll


def test_range_and_length_problems_show_while_typing_in_note_names_and_block_generate(app):
    app.selectbox(key="names").set_value("german").run()
    seed_box(app).set_value("C1 _ D1 _").run()  # far below the model's notes
    [error] = app.error
    assert "C1" in error.value and "outside what the model knows" in error.value
    assert app.button(key="generate").disabled
    seed_box(app).set_value(" ".join(["C4 _ _ _"] * 24)).run()  # 6 bars of 4/4
    app.slider(key="bars").set_value(4).run()
    assert any("already lasts 6 bars" in e.value for e in app.error) and app.button(key="generate").disabled


def test_the_key_heard_in_a_short_seed_and_one_click_to_its_relative(app):
    seed_box(app).set_value("67 _ 69 _ 71 _ 72 _ _ _").run()  # G A B C: music21 said F major
    assert any("G major (found from the notes)" in c.value for c in app.caption)
    app.button(key="relative-key").click().run()
    assert app.selectbox(key="seed_key").value == "E minor" and not app.exception
    assert any("E minor" in c.value for c in app.caption)
    assert not [b for b in app.button if b.key == "relative-key"]  # a key chosen: nothing to offer
