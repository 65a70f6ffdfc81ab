import logging
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, HTTPException
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from shop.analytics import PageView
from shop.db import Base, engine, get_session
from shop.models import Product

log = logging.getLogger("shop")


@asynccontextmanager
async def lifespan(app: FastAPI):
    if not inspect(engine).has_table("products"):
        log.warning("schema missing, creating tables (run `alembic upgrade head` instead!)")
        Base.metadata.create_all(engine)
    yield


app = FastAPI(title="Shop", lifespan=lifespan)


@app.get("/products")
def list_products(session: Session = Depends(get_session)):
    return [
        {"sku": p.sku, "title": p.title, "price": str(p.price)}
        for p in session.scalars(select(Product).order_by(Product.title))
    ]


@app.get("/products/{sku}")
def get_product(sku: str, session: Session = Depends(get_session)):
    product = session.scalar(select(Product).where(Product.sku == sku))
    if product is None:
        raise HTTPException(404, "unknown product")
    session.add(PageView(path=f"/products/{sku}"))
    session.commit()
    return {"sku": product.sku, "title": product.title, "price": str(product.price)}
