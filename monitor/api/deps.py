"""What the routes need from the running app, as FastAPI dependencies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session, sessionmaker

from monitor.api.errors import API_REQUESTS
from monitor.errors import StoreError
from monitor.runtime.outage_log import OutageLog
from monitor.settings import Settings


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_settings(request: Request) -> Settings:
    # async: a plain function would be handed to a worker thread, for an attribute read.
    return settings_of(request)


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_session(request: Request) -> Iterator[Session]:
    """A read session per request, closed after it; 503 when the app has no database."""
    sessions: sessionmaker[Session] | None = request.app.state.sessions
    if sessions is None:
        raise HTTPException(
            status_code=503,
            detail="history is unavailable: this API was started without a database",
        )
    outages: OutageLog = request.app.state.outages
    with sessions() as session:
        failure: Exception | None = None
        try:
            yield session
        except Exception as error:  # the route's, raised here at the yield
            failure = error
            raise
        finally:
            # The request read the store (a 404 for an unknown id read it too) and the
            # store did not fail it: if it was failing, it works again.
            if session.in_transaction() and not isinstance(failure, StoreError):
                outages.recovered(API_REQUESTS)


SessionDep = Annotated[Session, Depends(get_session)]
