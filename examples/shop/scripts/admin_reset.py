"""Reset the staging database to an empty schema. Asks twice."""
import sys

from shop import models  # noqa: F401
from shop.db import Base, engine


def main() -> int:
    if input(f"Drop ALL tables in {engine.url.database}? [y/N] ").lower() != "y":
        return 1
    if input("Really? Type the database name: ") != engine.url.database:
        return 1
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    print("schema recreated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
