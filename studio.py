"""Streamlit pieces shared by the studio's pages: the one model and the cached renders.

UI glue only (every computation lives in the `melody` package); app.py and pages/ import it.
"""

from __future__ import annotations

import streamlit as st

from melody import render
from melody.errors import USER_ERRORS
from melody.melody import Melody
from melody.model import default_model_folder, load_model_folder
from melody.serving import warm_up


@st.cache_resource(show_spinner="Loading the model (once for everybody)...")
def shared_model(folder: str):
    """The model, loaded once and shared by all sessions (read-only after loading), with
    the request path warmed up so that the first Generate is as fast as the next."""
    loaded = load_model_folder(folder)
    warm_up(loaded)
    return loaded


def model_or_stop():
    """The shipped model, or an error on the page (with how to get one) and a stop."""
    try:
        return shared_model(str(default_model_folder()))
    except USER_ERRORS as error:
        st.error(str(error))
        st.stop()


@st.cache_data(show_spinner=False, max_entries=64)
def musicxml_bytes(melody: Melody) -> bytes:
    return render.to_musicxml_bytes(melody)


@st.cache_data(show_spinner=False, max_entries=64)
def score_svg(melody: Melody) -> str:
    return render.to_svg(melody, musicxml=musicxml_bytes(melody))  # one MusicXML export per melody
