"""Helpers for a long-lived server process (the Streamlit studio) that shares one model.

Streamlit calls ``keras.backend.clear_session()`` after every rerun of a page that has
imported Keras, and Keras 3 runs a full ``gc.collect()`` there. With TensorFlow, music21
and the model in memory that pass walks ~400,000 objects: about 100 ms on an idle core,
and far more while the browser and FluidSynth compete for the CPU, all of it before the
page's last elements are sent. `warm_up` imports and exercises everything a request
touches once, then moves the survivors into the collector's permanent generation
(``gc.freeze``), so later collections only walk what a request created.
"""

from __future__ import annotations

import gc

from .melody import Melody


def warm_up(loaded) -> None:
    """Generate and render one short melody (imports, caches, FluidSynth's first start),
    then freeze every object alive now out of the garbage collector's passes."""
    from . import render
    from .sampler import generate

    [melody] = generate(loaded, Melody(("60", "_", "64", "_")), steps=16, random_seed=0, full_length=True)
    render.render_all(melody)
    gc.collect()  # what is garbage now is not frozen
    gc.freeze()
