"""Folk Melody Studio's package, grouped by the stages of the flow; imports only point down it
(`tests/test_layout.py` checks), and nothing here imports Streamlit.

    core      Melody, spelling, bars, errors, paths, storage          (imports nothing else)
    songs     files -> Melody: limits, parse, filter, transpose       -> core
    net       Melody <-> ids; the model folder; the NumPy LSTM        -> core
    generate  steps, temperature, songs of N bars, forms, surprise    -> net, songs, core
    chords    a chord per beat, Viterbi, accompaniment                -> net (weights), songs, core
    output    MusicXML, SVG, MIDI, WAV, file names                    -> chords, core
    train     batches, Keras, training, cards, reports (TensorFlow)   -> all but studio
    studio    recipe, controls, session, clicks, budget, warm-up      -> all but train
"""
