"""a park's waste names: what a name in its files (Allbaro) means in the catalogue

Revision ID: 6d2f8a1c9e4b
Revises: 5d2e8a7c9b14
Create Date: 2026-11-29 14:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "6d2f8a1c9e4b"
down_revision = "5d2e8a7c9b14"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parkwastename",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("material_key", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["park_id"], ["park.id"], name="fk_parkwastename_park_id_park"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name="fk_parkwastename_user_id_user"),
        sa.PrimaryKeyConstraint("id", name="pk_parkwastename"),
        sa.UniqueConstraint("park_id", "name", name="uq_parkwastename_park_name"),
    )
    with op.batch_alter_table("parkwastename", schema=None) as batch_op:
        batch_op.create_index("ix_parkwastename_park_id", ["park_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("parkwastename", schema=None) as batch_op:
        batch_op.drop_index("ix_parkwastename_park_id")
    op.drop_table("parkwastename")
