"""add discount codes

Revision ID: 2c3d4e5f6a7b
Revises: 0a1b2c3d4e5f
Create Date: 2024-02-05 16:20:58.771902

"""
from alembic import op
import sqlalchemy as sa

# Written on a branch that was cut before "add orders" was merged, so both
# revisions point at the initial one and `alembic upgrade head` now fails
# with "Multiple head revisions are present".
revision = "2c3d4e5f6a7b"
down_revision = "0a1b2c3d4e5f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "discount_codes",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("percent_off", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("discount_codes")
