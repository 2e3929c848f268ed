"""API keys: only a SHA-256 of the secret is stored; the secret is shown once at creation."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from lgsco_shared.db import Base
from lgsco_shared.models.types import CreatedAt, Timestamp


class ApiKey(Base):
    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)  # shown in lists, not secret
    secret_sha256: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    created_at: Mapped[CreatedAt]
    revoked_at: Mapped[Timestamp | None]
    last_used_at: Mapped[Timestamp | None]
