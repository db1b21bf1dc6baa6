"""Chords for a tradition that does not harmonize its songs with Western triads: an open fifth
(root and fifth, no third) on the song's final, struck on every downbeat, as a drone.

Why for Chinese songs (issue 25): the Han songs of the Essen collection are pentatonic and modal
(gong, shang, jue, zhi and yu modes, each ending on its own final); they are sung unaccompanied or
with instruments that double the tune (heterophony) over a sustained final and its fifth (the
sheng's open fifths, a drone string), not with the tonic-subdominant-dominant triads of the
German and Irish tunes. The chord model, which learned those triads from Irish and British dance
tunes, puts thirds (and a leading tone) under a pentatonic tune that has none; the open fifth on
the final adds no note the mode lacks. The final is the song's last note (its mode's tonic), or
the key's tonic for a song without notes.

    >>> song = Melody(("62", "_", "64", "_", "67", "_", "69", "_", "62", "_", "_", "_"), meter="2/4")
    >>> [chord.symbol() for chord in drone_chords(song)]
    ['D5', 'D5']
"""

from __future__ import annotations

from melody.core.melody import Chord, Melody
from melody.core.pitch import OPEN_FIFTH, tonic_pitch_class


def drone_chords(melody: Melody) -> tuple[Chord, ...]:
    """An open fifth on ``melody``'s final, at step 0 and on every downbeat after it."""
    pitches = melody.pitches()
    root = pitches[-1] % 12 if pitches else tonic_pitch_class(melody.key)
    bar = melody.bar_steps
    first_bar = melody.pickup or bar
    starts = [0, *range(first_bar, len(melody), bar)] if len(melody) else [0]
    return tuple(Chord(start, root, OPEN_FIFTH) for start in dict.fromkeys(starts))
