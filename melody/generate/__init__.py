"""Melodies out of the network: sampling, songs of N bars with a sung ending, forms (AABA ...),
the beam at temperature 0, and per-note surprise."""
