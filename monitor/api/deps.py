"""What the routes need from the running app, as FastAPI dependencies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session, sessionmaker

from monitor.settings import Settings


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_session(request: Request) -> Iterator[Session]:
    """A read session per request, closed after it; 503 when the app has no database."""
    sessions: sessionmaker[Session] | None = request.app.state.sessions
    if sessions is None:
        raise HTTPException(
            status_code=503,
            detail="history is unavailable: this API was started without a database",
        )
    with sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
