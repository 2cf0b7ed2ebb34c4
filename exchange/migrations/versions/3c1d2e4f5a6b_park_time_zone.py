"""a park's time zone

Revision ID: 3c1d2e4f5a6b
Revises: 07f801be9843
Create Date: 2026-11-29 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "3c1d2e4f5a6b"
down_revision = "07f801be9843"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("park", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("time_zone", sa.String(length=64), nullable=False, server_default="Asia/Seoul")
        )


def downgrade() -> None:
    with op.batch_alter_table("park", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
