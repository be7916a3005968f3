from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base


class Agency(Base):
    """The hub or one partner agency of the regional adoption partnership."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    short_name: Mapped[str] = mapped_column(String(40))
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    is_hub: Mapped[bool] = mapped_column(Boolean, default=False)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    # Service standard: first contact with a new enquirer within this many working days.
    first_contact_working_days: Mapped[int] = mapped_column(Integer, default=1)

    areas: Mapped[list[Area]] = relationship(
        back_populates="agency", order_by="Area.name", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Agency {self.slug}>"


class Area(Base):
    """A local-authority area a partner agency covers: enquiries from it are routed there."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # Outward postcode districts (e.g. "NV1 NV2 NV14"), space separated, for routing.
    postcode_districts: Mapped[str] = mapped_column(String(1000), default="")

    agency: Mapped[Agency] = relationship(back_populates="areas")
