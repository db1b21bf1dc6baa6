"""Streamlit pieces shared by the studio's pages: the one model and the cached renders.

UI glue only (every computation lives in the `melody` package); app.py and pages/ import it.
"""

from __future__ import annotations

import contextlib
import logging

import streamlit as st

from melody import render
from melody.errors import USER_ERRORS
from melody.melody import Melody
from melody.model import default_model_folder, load_model_folder
from melody.serving import warm_up

_LOG = logging.getLogger("folk_melody_studio")


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


@contextlib.contextmanager
def errors_shown(doing: str):
    """Run a piece of a page; an error in it becomes one ``st.error`` (never a traceback).

    The project's own errors already say what is wrong and what would work; anything
    else is a bug: logged with its traceback on the server, and the person is told what
    failed and what to try. ``st.stop()`` and reruns pass through (they are not errors).
    Nothing is stored, so the error goes with the run that raised it.
    """
    try:
        yield
    except USER_ERRORS as error:
        st.error(str(error))
    except Exception as error:  # noqa: BLE001  (the page must never show a traceback)
        _LOG.exception("error while %s", doing)
        st.error(
            f"Something went wrong while {doing} ({type(error).__name__}). Try other settings or another seed; "
            "if it happens again, the server's log has the details for a bug report."
        )
