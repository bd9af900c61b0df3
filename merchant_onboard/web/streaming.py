"""Responses that keep reading the database while they are sent: batch PDFs and exports.

Flask tears the request down (``db.close_session``) when the view returns, before a streamed
body is produced: the request's session is closed, and with it any cursor opened in the view.
So the body is made only once the response streams (``make`` is called then), on the request's
session, which reopens on its first query; the body closes that session when it ends, also
when the client goes away half-way. It runs within the request's context
(``stream_with_context``) for whatever it translates or looks up.

Anything that may be refused (access, filters) or must be recorded first (an export's audit
entry) is done before the response is made: it still answers with a 4xx, and nothing is sent
unrecorded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from flask import Response, stream_with_context
from sqlmodel import Session


def streamed_attachment(make: Callable[[], Iterable[bytes]], *, session: Session, mimetype: str,
                        filename: str) -> Response:
    """The chunks ``make()`` reads from ``session``, sent as the file ``filename``."""

    def body() -> Iterator[bytes]:
        try:
            yield from make()
        finally:
            session.close()

    # As the content type, not the mimetype: werkzeug appends "; charset=utf-8" to a text/
    # mimetype even when it names its charset already ("text/csv; charset=utf-8").
    return Response(stream_with_context(body()), content_type=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
