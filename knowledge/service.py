"""The knowledge that is serving right now, swapped whole on reload.

A :class:`Snapshot` is the loaded :class:`KnowledgeBase` together with the :class:`Matcher` built
from it. :func:`build_snapshot` is a pure function from files to a snapshot, so a reload builds
the new one beside the serving one; :class:`KnowledgeService` then swaps its one ``current``
attribute. A handler reads the attribute once per question, so it always works on one consistent
snapshot, and a failed reload (the files do not validate) leaves the old snapshot in place.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from knowledge.loader import load_knowledge
from knowledge.matcher import Matcher
from knowledge.model import KnowledgeBase

logger = logging.getLogger(__name__)

# Every snapshot built in this process gets the next number: the version a snapshot serves under
# is the content hash of its files plus that number, so it changes on every successful reload
# (DESIGN.md, /healthz) even when the files did not, while the hash still says which content it is.
_builds = itertools.count(1)


@dataclass(frozen=True)
class Snapshot:
    """One consistent version of the knowledge: the files as loaded and the matcher over them."""

    kb: KnowledgeBase
    matcher: Matcher
    build_seconds: float = 0.0

    @property
    def version(self) -> str:
        return self.kb.version


def build_snapshot(path: Path | Sequence[Path]) -> Snapshot:
    """Load and index the knowledge files; raises :class:`~knowledge.model.KnowledgeError`."""
    started = time.perf_counter()
    kb = load_knowledge(path)
    kb = dataclasses.replace(kb, version=f"{kb.version}.{next(_builds)}")
    matcher = Matcher(kb)
    seconds = time.perf_counter() - started
    logger.info("Built knowledge snapshot %s in %.0f ms", kb.version, seconds * 1000)
    return Snapshot(kb, matcher, seconds)


class KnowledgeService:
    """Holds the serving :class:`Snapshot` in ``current``, which a reload replaces whole.

    Readers take ``service.current`` once per question and work on that snapshot; a reload
    (:mod:`knowledge.reload`) builds a new snapshot with :func:`build_snapshot` and assigns it.
    """

    def __init__(self, path: Path | Sequence[Path], snapshot: Snapshot | None = None) -> None:
        self.path = path
        self.current = snapshot if snapshot is not None else build_snapshot(path)

    def swap(self, snapshot: Snapshot) -> Snapshot:
        """Put ``snapshot`` into service; returns the one it replaces."""
        old, self.current = self.current, snapshot
        logger.info("Knowledge version %s replaced by %s", old.version, snapshot.version)
        return old
