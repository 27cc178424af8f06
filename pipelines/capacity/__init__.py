"""失信 vs 失能: ability-to-pay features, a transparent scoring model and court reports."""

from .assess import OUTPUT_COLUMNS, assess
from .entries import active_entries
from .features import build_features
from .model import (
    CapacityModel,
    Thresholds,
    derive_thresholds,
    fit,
    load_model,
    save_model,
    score,
)
from .params import FeatureParams

__all__ = [
    "OUTPUT_COLUMNS",
    "CapacityModel",
    "FeatureParams",
    "Thresholds",
    "active_entries",
    "assess",
    "build_features",
    "derive_thresholds",
    "fit",
    "load_model",
    "save_model",
    "score",
]
