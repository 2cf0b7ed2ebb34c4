"""a factory's consent to its figures being published

Revision ID: 8e4b1c7d2f90
Revises: 5e7a9c1b2d3f
Create Date: 2026-11-29 14:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "8e4b1c7d2f90"
down_revision = "5e7a9c1b2d3f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a choice apart from show_name: a name shown is not tonnes agreed to; no one has agreed yet
    with op.batch_alter_table("factory", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("publish_figures", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("factory", schema=None) as batch_op:
        batch_op.drop_column("publish_figures")
