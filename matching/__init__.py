"""Identity matching: agency parties against the court lists (no I/O; frames in, frames out)."""

from matching.link import LinkResult, link
from matching.model import MatchModel, refine

__all__ = ["LinkResult", "MatchModel", "link", "refine"]
