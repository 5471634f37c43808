"""What more than one service needs: domain model, text pipeline, index documents, web plumbing, ports and adapters."""

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
"""The vocabularies the project keeps as data: regions, dictionary, synonyms, stop words, partner provinces."""
