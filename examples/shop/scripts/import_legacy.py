"""Import customers from the old PHP shop's CSV export."""
import csv
import sys

from sqlalchemy import text

from shop.db import engine


def main(path: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS legacy_customers (legacy_id INTEGER PRIMARY KEY, email TEXT, customer_id INTEGER)"))
        with open(path, newline="", encoding="utf-8") as fh:
            rows = [{"legacy_id": int(r["id"]), "email": r["email"].lower()} for r in csv.DictReader(fh)]
        conn.execute(text("INSERT INTO legacy_customers (legacy_id, email) VALUES (:legacy_id, :email)"), rows)
        conn.execute(
            text(
                "UPDATE legacy_customers l SET customer_id = c.id "
                "FROM customers c WHERE c.email = l.email"
            )
        )


if __name__ == "__main__":
    main(sys.argv[1])
