"""Helpers for a long-lived server process (the Streamlit studio) that shares one model.

After every rerun Streamlit collects garbage (``runner.postScriptGC``) and, for a page that
has imported Keras, calls ``keras.backend.clear_session()``, which runs a full
``gc.collect()`` again. With TensorFlow, music21 and the model in memory each pass walks
~400,000 objects: about 100 ms on an idle core, far more while the browser and FluidSynth
compete for the CPU, and all before the page's last elements are sent. `warm_up` imports
and exercises everything a request touches once, then moves the survivors into the
collector's permanent generation (``gc.freeze``, once per process), so later collections
only walk what requests create. Frozen objects are never freed: fine for what lives as long
as the server (the modules, the one shared model).
"""

from __future__ import annotations

import gc
import logging

from melody.core.melody import Melody

_LOG = logging.getLogger(__name__)
_frozen = False


def warm_up(loaded) -> bool:
    """Generate and render one short melody (imports, caches, FluidSynth's first start), then,
    the first time in this process, freeze every object alive out of the garbage collector's
    passes. Returns whether it froze. A failing render is logged, not raised: the studio still
    serves, and the person sees the error where it happens. ("Sing or hum" starts its decoder
    and pitch tracker on the first recording, ~0.5 s: started here, they made every studio
    start 0.7 s slower and 65 MB larger.)"""
    global _frozen
    from melody.generate.generator import generate
    from melody.output import files

    try:
        [melody] = generate(loaded, Melody(("60", "_", "64", "_")), steps=16, random_seed=0, full_length=True)
        files.render_all(melody)
    except Exception:  # noqa: BLE001  (a warm-up must not take the server down)
        _LOG.warning("warm-up render failed; the studio goes on without it", exc_info=True)
    if _frozen:
        return False
    gc.collect()  # what is garbage now is not frozen
    gc.freeze()
    _frozen = True
    return True
