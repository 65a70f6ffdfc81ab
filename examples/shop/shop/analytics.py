"""Click-stream tables added by the growth team.

They use their own declarative base, so Alembic (which only looks at
shop.db.Base.metadata) never generates migrations for them.
"""
from datetime import datetime

from sqlalchemy import Column, DateTime, Integer, String, func
from sqlalchemy.orm import declarative_base

AnalyticsBase = declarative_base()


class PageView(AnalyticsBase):
    __tablename__ = "page_views"

    id = Column(Integer, primary_key=True)
    path = Column(String(500), nullable=False)
    session_id = Column(String(64), index=True)
    viewed_at = Column(DateTime(timezone=True), server_default=func.now())


class CartEvent(AnalyticsBase):
    __tablename__ = "cart_events"

    id = Column(Integer, primary_key=True)
    session_id = Column(String(64), index=True)
    product_id = Column(Integer, nullable=False)
    action = Column(String(16), nullable=False)  # "add" / "remove"
    at = Column(DateTime(timezone=True), default=datetime.utcnow)
