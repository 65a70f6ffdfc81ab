"""Stage 3 of the pipeline: the project index built from all files' facts."""

from dblint.index.project import ProjectIndex, build_index, build_indexes

__all__ = ["ProjectIndex", "build_index", "build_indexes"]
