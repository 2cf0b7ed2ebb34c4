"""a park's share of an exchange's CO2e saving that its supplier claims in ESG reports

Revision ID: 5e6f7a8b9c0d
Revises: 8e4b1c7d2f90
Create Date: 2026-11-29 15:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "5e6f7a8b9c0d"
down_revision = "8e4b1c7d2f90"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("park", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("esg_supplier_share", sa.Float(), nullable=False, server_default="50")
        )
        batch_op.create_check_constraint(
            "ck_park_esg_supplier_share", "esg_supplier_share >= 0 AND esg_supplier_share <= 100"
        )


def downgrade() -> None:
    with op.batch_alter_table("park", schema=None) as batch_op:
        batch_op.drop_constraint("ck_park_esg_supplier_share", type_="check")
        batch_op.drop_column("esg_supplier_share")
