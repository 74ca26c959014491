"""Shared fixtures: a tiny inline corpus indexed with the hash embedder in tmp_path, a free port, the artifacts dir."""

import socket
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `import app` and `tests.helpers` work from any working dir
    sys.path.insert(0, str(ROOT))

from rag.service import Assistant  # noqa: E402
from rag.settings import Settings  # noqa: E402
from tests.helpers import make_settings  # noqa: E402


@pytest.fixture
def tiny_settings(tmp_path: Path) -> Settings:
    """Settings with the three inline articles in tmp_path/seeds, the index in tmp_path/index, hash embedder."""
    return make_settings(tmp_path)


@pytest.fixture
def tiny_assistant(tiny_settings: Settings) -> Assistant:
    """An Assistant over the tiny corpus, already indexed."""
    assistant = Assistant(tiny_settings)
    assistant.reindex()
    return assistant


@pytest.fixture
def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """test-artifacts/ at the repo root (screenshots and other outputs worth keeping after a run)."""
    path = ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
