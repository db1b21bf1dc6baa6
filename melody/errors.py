"""The project's own error types, gathered so front ends can catch them in one place.

>>> try:
...     parse_seed("H4")
... except USER_ERRORS as error:
...     print(error)                                 # doctest: +SKIP
"""

from .corpus import CorpusError, SongSkipped
from .dataset import DatasetError
from .encoding import UnknownSymbolError, VocabularyFileError
from .harmony import HarmonyModelError
from .melody import MelodyError
from .model import ModelFolderError
from .sampler import GenerationError
from .seed import SeedSyntaxError
from .training import TrainingError

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
