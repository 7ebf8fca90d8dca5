"""Types of the compiled scan (``_linescan.c``); see its docstring."""

import numpy as np

def scan(
    text: bytes | memoryview,
    needle: bytes,
    count_days: bool,
    kept: np.ndarray,
    copy: np.ndarray,
    keys: np.ndarray,
    /,
) -> tuple[int, int, int, int, int, int]: ...
