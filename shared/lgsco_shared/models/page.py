"""Raw pages as fetched, compressed, so any decision can be re-parsed without the network."""

from __future__ import annotations

from sqlalchemy import Index, LargeBinary, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from lgsco_shared.db import Base
from lgsco_shared.models.types import Timestamp


class RawPage(Base):
    __tablename__ = "raw_page"
    __table_args__ = (Index("ix_raw_page_reference_fetched_at", "reference", "fetched_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(10))
    url: Mapped[str] = mapped_column(String(1000))
    status_code: Mapped[int] = mapped_column(SmallInteger)
    etag: Mapped[str | None] = mapped_column(String(300))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    content_type: Mapped[str | None] = mapped_column(String(200))
    body_sha256: Mapped[str] = mapped_column(String(64))
    body_zlib: Mapped[bytes] = mapped_column(LargeBinary)  # zlib level 6 of the UTF-8 body
    body_size: Mapped[int]
    fetched_at: Mapped[Timestamp]

    def body(self) -> str:
        import zlib

        return zlib.decompress(self.body_zlib).decode("utf-8", errors="replace")
