"""Nightly sales report table, filled by a cron job."""
from sqlalchemy import Column, Date, Integer, MetaData, Numeric, Table, text

from shop.db import engine

report_metadata = MetaData()

daily_sales = Table(
    "daily_sales",
    report_metadata,
    Column("day", Date, primary_key=True),
    Column("orders", Integer, nullable=False),
    Column("revenue", Numeric(14, 2), nullable=False),
)


def run() -> None:
    daily_sales.create(engine, checkfirst=True)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO daily_sales (day, orders, revenue) "
                "SELECT created_at::date, count(*), sum(total) FROM orders "
                "WHERE created_at::date = current_date - 1 GROUP BY 1 "
                "ON CONFLICT (day) DO UPDATE SET orders = excluded.orders, revenue = excluded.revenue"
            )
        )


if __name__ == "__main__":
    run()
