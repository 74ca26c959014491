"""rag: grounded question answering over a folder of (Dutch) articles."""

__version__ = "0.1.0"
