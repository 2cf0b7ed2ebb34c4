"""a user's session epoch (sign-out ends sessions on the server) and read-only API tokens

Revision ID: 5e7a9c1b2d3f
Revises: 3c1d2e4f5a6b
Create Date: 2026-11-29 14:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "5e7a9c1b2d3f"
down_revision = "3c1d2e4f5a6b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("apitoken", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("read_only", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("apitoken", schema=None) as batch_op:
        batch_op.drop_column("read_only")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("session_epoch")
