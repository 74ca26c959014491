"""Exceptions whose messages tell the user what to do next."""


class RagError(Exception):
    """A problem the user can fix; the message says how."""


class IndexMissingError(RagError):
    """No index exists yet."""


class IndexDamagedError(RagError):
    """The index folder cannot be loaded."""


class IndexMismatchError(RagError):
    """The index was built with other settings (embedder, chunker, schema)."""


class InputError(RagError):
    """A question, file or flag the program cannot accept."""


class DependencyError(RagError):
    """An optional dependency or model is not installed."""
