"""The knowledge base: model, loader and validator, Danish normalisation, matcher, service."""

from __future__ import annotations

from knowledge.loader import knowledge_files, load_knowledge, summarize
from knowledge.matcher import SUGGEST_THRESHOLD, Match, Matcher, Result
from knowledge.model import (
    Document,
    Entry,
    Glossary,
    KnowledgeBase,
    KnowledgeError,
    Problem,
    Theme,
    Wheel,
    WheelItem,
)
from knowledge.normalize import detect_language
from knowledge.service import KnowledgeService, Snapshot, build_snapshot

__all__ = [
    "SUGGEST_THRESHOLD",
    "Document",
    "Entry",
    "Glossary",
    "KnowledgeBase",
    "KnowledgeError",
    "KnowledgeService",
    "Match",
    "Matcher",
    "Problem",
    "Result",
    "Snapshot",
    "Theme",
    "Wheel",
    "WheelItem",
    "build_snapshot",
    "detect_language",
    "knowledge_files",
    "load_knowledge",
    "summarize",
]
