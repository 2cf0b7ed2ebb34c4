"""an offer's basis for declaring a mirror-entry material non-hazardous; offers hazardous by
their code marked so; a delivery's note

Revision ID: 5b7e9a1c2d3f
Revises: 6d2f8a1c9e4b
Create Date: 2026-11-29 14:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "5b7e9a1c2d3f"
down_revision = "6d2f8a1c9e4b"
branch_labels = None
depends_on = None

# The catalogue's materials that are hazardous by their code as this migration was written
# (absolute, or mirror entries: no stored offer has an analysis report yet). Frozen here: a
# migration must not change with a later catalogue.
HAZARDOUS_BY_CODE = (
    "waste-sulphuric-acid", "waste-hydrochloric-acid", "waste-alkali", "spent-solvent",
    "waste-lubricating-oil", "bottom-ash", "incineration-fly-ash", "foundry-sand",
    "refractory-bricks", "eaf-dust", "spent-catalyst", "wastewater-sludge", "dyeing-sludge",
    "plating-sludge",
)  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("listing", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("analysis_report_no", sa.String(length=80), nullable=False,
                      server_default="")  # fmt: skip
        )
        batch_op.add_column(sa.Column("analysis_report_date", sa.Date(), nullable=True))
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("note", sa.String(length=500), nullable=False, server_default="")
        )
    listing = sa.table("listing", sa.column("kind", sa.String), sa.column("hazardous", sa.Boolean),
                       sa.column("material_key", sa.String))  # fmt: skip
    op.execute(
        listing.update()
        .where(listing.c.kind == "offer", listing.c.material_key.in_(HAZARDOUS_BY_CODE))
        .values(hazardous=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_column("note")
    with op.batch_alter_table("listing", schema=None) as batch_op:
        batch_op.drop_column("analysis_report_date")
        batch_op.drop_column("analysis_report_no")
