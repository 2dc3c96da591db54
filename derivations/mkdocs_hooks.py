"""MkDocs hook: the footer names the site version and its date.

mkdocs.yml stays the single configuration; this hook only fills in
``copyright`` from pyproject.toml and CHANGELOG.md (via
:func:`derivations.citing.read_release`) each time MkDocs loads it, so the
version is never typed in two places.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    # `mkdocs build` started as a script does not put the project on the path.
    sys.path.insert(0, str(ROOT))

from derivations.citing import read_release  # noqa: E402

logger = logging.getLogger(__name__)


def on_config(config: Any) -> Any:
    """Set the footer line from the release."""
    release = read_release(ROOT)
    config["copyright"] = f"{release.site_name}, version {release.version} ({release.date})"
    logger.debug("footer: %s", config["copyright"])
    return config
