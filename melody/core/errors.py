"""The project's own error types, gathered so front ends can catch them in one place.

>>> try:
...     parse_seed("H4")
... except USER_ERRORS as error:
...     print(error)                                 # doctest: +SKIP
"""

from melody.chords.model import HarmonyModelError
from melody.core.melody import MelodyError
from melody.generate.generator import GenerationError
from melody.net.folder import ModelFolderError
from melody.net.vocabulary import UnknownSymbolError, VocabularyFileError
from melody.songs.corpus import CorpusError, SongSkipped
from melody.songs.typed import SeedSyntaxError
from melody.train.dataset import DatasetError
from melody.train.training import TrainingError

USER_ERRORS = (
    CorpusError,
    DatasetError,
    GenerationError,
    HarmonyModelError,
    MelodyError,
    ModelFolderError,
    SeedSyntaxError,
    SongSkipped,
    TrainingError,
    UnknownSymbolError,
    VocabularyFileError,
)
