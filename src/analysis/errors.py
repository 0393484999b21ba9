"""The one error type users see.

A `UserError` carries a single line: what is wrong, where, and how to fix it. The CLI prints
it without a traceback and exits non-zero; notebooks let it propagate so papermill shows it.
"""

from __future__ import annotations


class UserError(Exception):
    """Bad input (file, data, parameter, configuration) explained in one line."""

    exit_code = 2

    def __init__(self, what: str, *, where: str | None = None, fix: str | None = None) -> None:
        self.what, self.where, self.fix = what, where, fix
        parts = [f"{where}: {what}" if where else what]
        if fix:
            parts.append(f"fix: {fix}")
        super().__init__(" — ".join(parts).replace("\n", " "))
