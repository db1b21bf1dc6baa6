"""Songs in: files and music21's corpus read into `Melody` (limits before parsing, the seed's
filter, the move to C major / A minor), typed seeds, and figures over songs (phrases, meter)."""
