"""Column helpers shared by the model modules."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from sqlalchemy import DateTime, func
from sqlalchemy.orm import mapped_column

Timestamp = Annotated[datetime, mapped_column(DateTime(timezone=True))]
CreatedAt = Annotated[
    datetime, mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
]


def enum_column(enum: type[StrEnum], **kwargs: Any) -> Any:
    """Store an enum as its text value with a CHECK constraint (readable in SQL, easy to extend)."""
    from sqlalchemy import Enum

    return mapped_column(
        Enum(
            enum,
            native_enum=False,
            length=40,
            values_callable=lambda e: [m.value for m in e],
            validate_strings=True,
            create_constraint=True,
            name=enum.__name__.lower(),
        ),
        **kwargs,
    )
