"""The one base of the project's own errors: a problem with what someone gave us (a seed, a
file, a setting, a model folder), whose message is written to be shown to them as it is.

Each stage defines its own subclasses beside the code that raises them (`SeedSyntaxError`,
`SongSkipped`, `GenerationError`, ...; `MelodyError`, for the central type, is here); front ends catch them all at once
without importing the stages that raise them:

>>> from melody.songs.typed import parse_seed
>>> try:
...     parse_seed("60 X")
... except UserError as error:
...     print(type(error).__name__)
SeedSyntaxError
"""


class UserError(Exception):
    """An error whose message speaks to the user (front ends show it; scripts exit 2 with it)."""


class MelodyError(UserError, ValueError):
    """A Melody was built from values that cannot describe a monophonic line."""
