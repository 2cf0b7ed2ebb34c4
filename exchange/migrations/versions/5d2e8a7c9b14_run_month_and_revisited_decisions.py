"""a run's month and notes; exchanges needing attention; refusals for a while or for ever;
a one-off lot's total tonnes

Revision ID: 5d2e8a7c9b14
Revises: 5e6f7a8b9c0d
Create Date: 2026-11-29 14:10:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "5d2e8a7c9b14"
down_revision = "5e6f7a8b9c0d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("listing", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lot_tonnes", sa.Float(), nullable=True))
    with op.batch_alter_table("matchrun", schema=None) as batch_op:
        batch_op.add_column(sa.Column("month", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("notes", sa.JSON(), nullable=True))
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("needs_attention", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("refusal", sa.String(length=10), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("refused_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("ban_lifted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.drop_column("ban_lifted_at")
        batch_op.drop_column("refused_until")
        batch_op.drop_column("refusal")
        batch_op.drop_column("needs_attention")
    with op.batch_alter_table("matchrun", schema=None) as batch_op:
        batch_op.drop_column("notes")
        batch_op.drop_column("month")
    with op.batch_alter_table("listing", schema=None) as batch_op:
        batch_op.drop_column("lot_tonnes")
