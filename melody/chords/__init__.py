"""Chords under a melody: the chord model (NumPy), its Viterbi, the chord corpus and baselines,
and the accompaniment played from the chords."""
