"""Step progress for the terminal: a progress bar per step on a TTY, plain log lines otherwise."""

from __future__ import annotations

import logging
import sys

from tqdm import tqdm

log = logging.getLogger("geoservice.run")


class StepProgressDisplay:
    """Callable ``(step, fraction, message)`` that draws one bar per step (or logs when not a terminal)."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.interactive = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._bar: tqdm | None = None
        self._step: str | None = None
        self._last_logged = -1.0

    def __call__(self, step: str, fraction: float, message: str) -> None:
        fraction = min(max(fraction, 0.0), 1.0)
        if step != self._step:
            self.close()
            self._step = step
            self._last_logged = -1.0
            if self.interactive:
                self._bar = tqdm(total=100, desc=f"{step:<12}", file=self.stream, leave=True,
                                 bar_format="{desc} {bar} {percentage:3.0f}% {postfix}")
        if self._bar is not None:
            self._bar.n = round(100 * fraction)
            self._bar.set_postfix_str(message, refresh=True)
        elif fraction >= 1.0 or fraction - self._last_logged >= 0.25:
            self._last_logged = fraction
            log.info("%s: %3.0f%% %s", step, 100 * fraction, message)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
