"""Log masking: ID numbers never reach a log line in clear."""

from __future__ import annotations

import io
import logging

from pipelines.runtime.masking import install_log_masking, mask_ids_in_text


def test_ids_in_text_are_masked_but_other_numbers_are_not() -> None:
    text = "guest 11010519850307231X and 110105850307231, record 20240301, phone 13800138000"
    assert mask_ids_in_text(text) == (
        "guest 110105********231X and 110105*****7231, record 20240301, phone 13800138000"
    )


def test_log_filter_masks_formatted_arguments() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("credsweep.test_masking")
    logger.addHandler(handler)
    logger.propagate = False
    install_log_masking(handler)
    try:
        logger.warning("hit on %s", "110105198503072315")
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue().strip() == "hit on 110105********2315"
