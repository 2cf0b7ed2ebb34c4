"""notifications name their exchange

Revision ID: 07f801be9843
Revises: 2a8017b450e6
Create Date: 2026-11-26 03:11:18.327143
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "07f801be9843"
down_revision = "2a8017b450e6"
branch_labels = None
depends_on = None

FOREIGN_KEY = "fk_notification_proposal_id"


def upgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proposal_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(FOREIGN_KEY, "proposal", ["proposal_id"], ["id"])
    # notifications made so far say which exchange only in their link: /exchanges/<id>
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, link FROM notification WHERE link LIKE '/exchanges/%'"))
    for notification_id, link in rows.fetchall():
        if found := re.fullmatch(r"/exchanges/(\d+)", link):
            conn.execute(
                sa.text("UPDATE notification SET proposal_id = :p WHERE id = :n AND EXISTS "
                        "(SELECT 1 FROM proposal WHERE proposal.id = :p)"),
                {"p": int(found.group(1)), "n": notification_id},
            )  # fmt: skip


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint(FOREIGN_KEY, type_="foreignkey")
        batch_op.drop_column("proposal_id")
