"""Database tables of the knowledge base (SQLAlchemy 1.4, written in the 2.0 style).

Every kind of record shares the columns of `RecordMixin` (name, aliases, status, dates) and
its sources live in one `sources` table keyed by (kind, record id). Lists of ids that only
the in-memory snapshot reads (a programme's obstacles, a pôle's sectors…) are JSON columns;
the départements and the eligibility criteria, which queries and integrity checks use,
have tables of their own.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class RecordMixin:
    id = Column(String(80), primary_key=True)
    name = Column(Text, nullable=False)
    aliases = Column(JSON, nullable=False, default=list)
    status = Column(String(16), nullable=False)
    ended_on = Column(Date)
    verified_on = Column(Date, nullable=False)
    note = Column(Text)
    valid_until = Column(Date)


class Source(Base):
    __tablename__ = "sources"
    pk = Column(Integer, primary_key=True, autoincrement=True)
    kind = Column(String(20), nullable=False, index=True)
    record_id = Column(String(80), nullable=False, index=True)
    position = Column(Integer, nullable=False)
    url = Column(Text, nullable=False)
    seen_on = Column(Date, nullable=False)
    page_date = Column(Date)
    title = Column(Text)
    # Computed from knowledge/source_policy.yml at load time, so answers need not read it.
    primary = Column(Boolean, nullable=False, default=False)
    about = Column(String(20))


class Organisation(RecordMixin, Base):
    __tablename__ = "organisations"
    kind = Column(String(40), nullable=False)
    summary = Column(Text, nullable=False)
    details = Column(Text)
    website = Column(Text, nullable=False)
    parent = Column(String(80), ForeignKey("organisations.id"))


class Sector(RecordMixin, Base):
    __tablename__ = "sectors"
    summary = Column(Text, nullable=False)


class Region(RecordMixin, Base):
    __tablename__ = "regions"
    code = Column(String(2), nullable=False, unique=True)
    overseas = Column(Boolean, nullable=False)
    capital = Column(Text)
    contacts = Column(JSON, nullable=False, default=list)
    departements = relationship("Departement", order_by="Departement.position", lazy="selectin")


class Departement(Base):
    __tablename__ = "departements"
    code = Column(String(3), primary_key=True)
    name = Column(Text, nullable=False)
    region_id = Column(String(80), ForeignKey("regions.id"), nullable=False, index=True)
    position = Column(Integer, nullable=False)
    # Chef-lieu first, then the other large communes: only the snapshot reads them.
    cities = Column(JSON, nullable=False, default=list)
    # Historical areas and demonyms that lie in this one département (« Quercy », « vendéen »).
    areas = Column(JSON, nullable=False, default=list)


class Country(RecordMixin, Base):
    __tablename__ = "countries"
    iso2 = Column(String(2), nullable=False, unique=True)
    in_form = Column(Text, nullable=False)
    adjective = Column(Text)
    adjectives = Column(JSON, nullable=False, default=list)
    cities = Column(JSON, nullable=False, default=list)
    zone = Column(String(40), nullable=False)
    eu_member = Column(Boolean, nullable=False)
    eu_agreement = Column(JSON)
    origin_proof = Column(Text)
    access2markets_url = Column(Text)
    country_page_url = Column(Text)
    country_page_title = Column(Text)
    business_france = Column(JSON)
    details = Column(Text)


class Obstacle(RecordMixin, Base):
    __tablename__ = "obstacles"
    summary = Column(Text, nullable=False)
    advice = Column(JSON, nullable=False)
    programmes = Column(JSON, nullable=False, default=list)
    organisations = Column(JSON, nullable=False, default=list)


class Programme(RecordMixin, Base):
    __tablename__ = "programmes"
    operator = Column(String(80), ForeignKey("organisations.id"), nullable=False)
    kind = Column(String(20), nullable=False)
    obstacles = Column(JSON, nullable=False)
    summary = Column(Text, nullable=False)
    details = Column(Text, nullable=False)
    amounts = Column(JSON, nullable=False, default=list)
    scope = Column(String(20), nullable=False)
    regions = Column(JSON, nullable=False, default=list)
    how_to_apply = Column(Text, nullable=False)
    contact = Column(Text)
    successor = Column(String(80))
    criteria = relationship("Criterion", order_by="Criterion.position", lazy="selectin")


class Criterion(Base):
    __tablename__ = "criteria"
    pk = Column(Integer, primary_key=True, autoincrement=True)
    programme_id = Column(String(80), ForeignKey("programmes.id"), nullable=False, index=True)
    position = Column(Integer, nullable=False)
    criterion = Column(String(40), nullable=False)
    # Numbers get a column of their own so that SQL can filter on thresholds.
    number = Column(Float)
    value = Column(JSON)
    label = Column(Text, nullable=False)


class Cluster(RecordMixin, Base):
    __tablename__ = "clusters"
    sectors = Column(JSON, nullable=False)
    regions = Column(JSON, nullable=False)
    city = Column(Text)
    website = Column(Text)
    summary = Column(Text, nullable=False)
    international = Column(Text)
    partnerships = Column(JSON, nullable=False, default=list)
    initiatives = Column(JSON, nullable=False, default=list)
    phase_v = Column(Boolean)


class Faq(RecordMixin, Base):
    __tablename__ = "faq"
    # `name` holds the question.
    topic = Column(String(40))
    destination = Column(String(10))  # validation.DESTINATIONS, or none
    countries = Column(JSON, nullable=False, default=list)
    variants = Column(JSON, nullable=False, default=list)
    answer = Column(Text, nullable=False)
    obstacles = Column(JSON, nullable=False, default=list)
    programmes = Column(JSON, nullable=False, default=list)
    organisations = Column(JSON, nullable=False, default=list)


class EditorialList(Base):
    """One list of knowledge/editorial.yml, in the file's shape (ids, or objects for the
    overviews): only the snapshot reads it."""

    __tablename__ = "editorial_lists"
    name = Column(String(40), primary_key=True)
    items = Column(JSON, nullable=False)


MODEL_OF_KIND = {
    "organisation": Organisation,
    "sector": Sector,
    "region": Region,
    "country": Country,
    "obstacle": Obstacle,
    "programme": Programme,
    "cluster": Cluster,
    "faq": Faq,
}
