"""Errors as RFC 9457 problem details (``application/problem+json``).

Bad input answers 422 with the message the CLI gives (file, line, field, what was expected); a bug
answers 500 with an incident id that is also in the server's log, never a traceback."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

PROBLEM = "application/problem+json"


class Problem(Exception):
    """An answer that is not a success: raised anywhere in a request, rendered by the app's handler."""

    def __init__(self, status: int, title: str, detail: str = "", headers: dict[str, str] | None = None,
                 **extra: Any) -> None:  # fmt: skip
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


def response(status: int, title: str, detail: str = "", *, headers: dict[str, str] | None = None,
             **extra: Any) -> JSONResponse:  # fmt: skip
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)
