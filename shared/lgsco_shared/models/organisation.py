"""Bodies the Ombudsman decides about: councils, care providers, other authorities."""

from __future__ import annotations

from sqlalchemy import Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from lgsco_shared.db import Base
from lgsco_shared.domain import OrganisationKind
from lgsco_shared.models.types import CreatedAt, enum_column


class Organisation(Base):
    __tablename__ = "organisation"
    __table_args__ = (Index("ix_organisation_name_lower", text("lower(name)")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[OrganisationKind] = enum_column(OrganisationKind)
    # ONS/GSS code of the local authority it is (lgsco_shared/data/english_authorities.csv);
    # None for a body that is not a council, or a council not yet mapped.
    gss_code: Mapped[str | None] = mapped_column(String(9), index=True)
    created_at: Mapped[CreatedAt]
