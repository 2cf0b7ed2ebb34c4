"""A factory manager's pages: their factories, listings, history, import and export."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from exchange import catalogue, db
from exchange.listings.forms import (
    ActionForm,
    ConfirmImportForm,
    FactoryForm,
    ImportForm,
    WasteNameForm,
    listing_form_class,
)
from exchange.mail import mail_managers
from exchange.models import ListingKind, ListingStatus, Park, Role
from exchange.park_calendar import park_today
from exchange.report_pdf import report_pdf
from exchange.security import roles_required
from exchange.services import (
    access,
    agreed,
    factories,
    import_drafts,
    listings,
    reports,
    sheet_template,
    sheets,
    users,
    waste_names,
)
from exchange.services.listing_input import listing_to_raw

bp = Blueprint("listings", __name__)


def _page() -> int:
    return request.args.get("page", 1, type=int) or 1


@bp.get("/")
@login_required
def my_factories():
    if current_user.role == Role.coordinator:
        return redirect(url_for("coordination.park"))
    if current_user.role == Role.admin:
        return redirect(url_for("admin.index"))
    mine = users.managed_factories(session=db.session(), user=current_user)
    if len(mine) == 1:
        return redirect(url_for("listings.factory", factory_id=mine[0].id))
    return render_template("listings/my_factories.html", factories=mine)


@bp.get("/<int:factory_id>")
@login_required
def factory(factory_id: int):
    s = db.session()
    fac = access.get_factory(session=s, user=current_user, factory_id=factory_id)
    filters = {k: request.args.get(k) or None for k in ("kind", "status", "material", "q")}
    page = listings.search_listings(
        session=s, factory_ids=[fac.id], kind=filters["kind"], status=filters["status"],
        material=filters["material"], text=filters["q"], page=_page(),
        per_page=current_app.config["PAGE_SIZE"],
    )  # fmt: skip
    return render_template(
        "listings/factory.html",
        factory=fac,
        page=page,
        filters=filters,
        permits=factories.factory_permits(session=s, factory_id=fac.id),
        managers=factories.factory_managers(session=s, factory_id=fac.id),
        can_change=access.can_change_listings(session=s, user=current_user, factory=fac),
        can_edit_factory=access.can_change_factory(session=s, user=current_user, factory=fac),
        counts=listings.factory_listing_counts(session=s, factory_id=fac.id),
        catalogue=catalogue.load(),
    )


FACTORY_FIELDS = ("name", "name_en", "brn", "ksic", "industry_ko", "industry_en", "address",
                  "lat", "lon", "show_name", "publish_figures")  # fmt: skip


def _save_factory(s, fac, form: FactoryForm) -> None:
    fields = {k: form[k].data for k in FACTORY_FIELDS}
    fields.update({k: v or "" for k, v in fields.items() if k not in ("lat", "lon", "show_name", "publish_figures")})
    if not _chooses_name(s, fac):  # whatever the form sent: the choices are the factory's own
        fields["show_name"] = bool(fac.show_name)
        fields["publish_figures"] = bool(fac.publish_figures)
    fields["modes"] = " ".join(form.modes.data)
    factories.update_factory(session=s, factory=fac, fields=fields)
    permits = [{"number": p["number"], "kind": p["kind"], "expires": p["expires"]}
               for p in form.permits.data if p["number"]]  # fmt: skip
    factories.replace_permits(session=s, factory=fac, permits=permits)


def _chooses_name(s, fac) -> bool:
    """Whether its name is shown, and whether its figures may be published, are the factory's
    own choices: its managers make them, never its park's coordinator or an admin (a new
    factory starts unnamed and unpublished)."""
    return fac.id is not None and fac.id in access.managed_factory_ids(session=s, user=current_user)


@bp.route("/<int:factory_id>/edit", methods=["GET", "POST"])
@login_required
def edit_factory(factory_id: int):
    s = db.session()
    fac = access.get_factory(session=s, user=current_user, factory_id=factory_id, change=True)
    permits = factories.factory_permits(session=s, factory_id=fac.id)
    form = FactoryForm(obj=fac, data=None if request.method == "POST" else {
        "modes": fac.modes.split(),
        "permits": [{"number": p.number, "kind": p.kind, "expires": p.expires} for p in permits]
        + [{}],
    })  # fmt: skip
    if form.validate_on_submit():
        _save_factory(s, fac, form)
        s.commit()
        flash(_("The factory was saved."), "success")
        return redirect(url_for("listings.factory", factory_id=fac.id))
    return render_template("listings/factory_form.html", form=form, factory=fac,
                           chooses_name=_chooses_name(s, fac))  # fmt: skip


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.coordinator, Role.admin)
def new_factory():
    """A coordinator adds a factory to their park (an admin names the park with ?park=)."""
    s = db.session()
    park_id = request.args.get("park", type=int) if current_user.role == Role.admin else None
    park = access.get_park(
        session=s, user=current_user, park_id=park_id or current_user.park_id or 0
    )
    form = FactoryForm(data=None if request.method == "POST" else {"modes": ["truck"]})
    if form.validate_on_submit():
        fac = factories.create_factory(session=s, park=park, name=form.name.data, lat=form.lat.data,
                                       lon=form.lon.data)  # fmt: skip
        _save_factory(s, fac, form)
        s.commit()
        flash(_("The factory was added. Invite its environment manager next."), "success")
        return redirect(url_for("listings.factory", factory_id=fac.id))
    return render_template("listings/factory_form.html", form=form, factory=None, park=park,
                           chooses_name=False)  # fmt: skip


@bp.route("/<int:factory_id>/listings/new", methods=["GET", "POST"])
@login_required
def new_listing(factory_id: int):
    s = db.session()
    fac = access.get_factory(session=s, user=current_user, factory_id=factory_id, listings=True)
    kind = request.args.get("kind", "offer")
    form = listing_form_class()(
        data={"kind": kind if kind in {k.value for k in ListingKind} else "offer"}
    )
    if form.validate_on_submit():
        listing = listings.create_listing(
            session=s, factory=fac, listing_in=form.parsed, user=current_user
        )
        s.commit()
        flash(_("The listing was saved."), "success")
        return redirect(url_for("listings.listing", listing_id=listing.id))
    return render_template(
        "listings/listing_form.html",
        form=form,
        factory=fac,
        listing=None,
        catalogue=catalogue.load(),
    )


@bp.get("/listings/<int:listing_id>")
@login_required
def listing(listing_id: int):
    item, fac = access.get_listing(session=db.session(), user=current_user,
                                   listing_id=listing_id)  # fmt: skip
    return _listing_page(item, fac)


def _listing_page(item, fac, *, ask: str | None = None, conflict=None, status: int = 200):
    """The listing; `ask`: a pause or withdrawal waiting for the manager's confirmation,
    with the agreed exchanges it would break (`conflict`)."""
    s = db.session()
    if ask == "withdraw" and conflict is None:
        try:  # name the exchanges a withdrawal would break before it is confirmed
            agreed.check_agreed(session=s, listing=item, tonnes=0.0, status="withdrawn",
                                confirm=False)  # fmt: skip
        except agreed.AgreedTonnesConflict as error:
            conflict = error
        s.rollback()
    return render_template(
        "listings/listing.html",
        listing=item,
        factory=fac,
        history=listings.listing_history(session=s, listing=item, page=_page(),
                                         per_page=current_app.config["PAGE_SIZE"]),  # fmt: skip
        can_change=access.can_change_listings(session=s, user=current_user, factory=fac),
        lacks_permit=factories.lacks_permit(session=s, listing=item, factory=fac,
                                            on=park_today(s.get(Park, fac.park_id))),  # fmt: skip
        action_form=ActionForm(),
        catalogue=catalogue.load(),
        ask=ask,
        conflict=conflict,
    ), status


@bp.route("/listings/<int:listing_id>/edit", methods=["GET", "POST"])
@login_required
def edit_listing(listing_id: int):
    s = db.session()
    item, fac = access.get_listing(session=s, user=current_user, listing_id=listing_id, change=True)
    if item.status == ListingStatus.withdrawn:
        flash(_("A withdrawn listing cannot be changed."), "error")
        return redirect(url_for("listings.listing", listing_id=item.id))
    raw = listing_to_raw(item)
    raw["accepts"] = raw["accepts"].split()
    form = listing_form_class()(data=None if request.method == "POST" else raw)
    if request.method == "GET":
        form.hazardous.data, form.show_name.data = item.hazardous, item.show_name
    conflict = None
    if form.validate_on_submit():
        try:
            changed = listings.update_listing(session=s, listing=item, listing_in=form.parsed,
                                              user=current_user, confirm=_confirmed())  # fmt: skip
        except agreed.AgreedTonnesConflict as error:
            s.rollback()
            conflict = error
        else:
            s.commit()
            _mail_told(agreed.pop_told(s))
            flash(_("The listing was saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("listings.listing", listing_id=item.id))
    return render_template(
        "listings/listing_form.html",
        form=form,
        factory=fac,
        listing=item,
        catalogue=catalogue.load(),
        conflict=conflict,
    ), 409 if conflict else 200


def _confirmed() -> bool:
    return request.form.get("confirm") == "1"


def _mail_told(told) -> None:
    """Mail the people `services.agreed` notified, once the change is committed."""
    app = current_app._get_current_object()
    for proposal, people in told:
        mail_managers(app, people, agreed.NOTICE, proposal.id)


STATUS_ACTIONS = {
    "pause": ListingStatus.paused,
    "resume": ListingStatus.active,
    "withdraw": ListingStatus.withdrawn,
}


@bp.post("/listings/<int:listing_id>/<any(pause, resume, withdraw):action>")
@login_required
def change_status(listing_id: int, action: str):
    s = db.session()
    item, _fac = access.get_listing(
        session=s, user=current_user, listing_id=listing_id, change=True
    )
    if not ActionForm().validate_on_submit():
        abort(400)
    if action == "withdraw" and not _confirmed():  # for good: ask first
        return _listing_page(item, _fac, ask=action)
    try:
        listings.set_status(session=s, listing=item, status=STATUS_ACTIONS[action],
                            user=current_user, confirm=_confirmed())  # fmt: skip
    except agreed.AgreedTonnesConflict as error:
        s.rollback()
        return _listing_page(item, _fac, ask=action, conflict=error, status=409)
    except ValueError:
        flash(_("A withdrawn listing cannot be changed."), "error")
        return redirect(url_for("listings.listing", listing_id=item.id))
    s.commit()
    _mail_told(agreed.pop_told(s))
    messages = {"pause": _("The listing is paused."), "resume": _("The listing is active again."),
                "withdraw": _("The listing was withdrawn.")}  # fmt: skip
    flash(messages[action], "success")
    return redirect(url_for("listings.listing", listing_id=item.id))


@bp.route("/<int:factory_id>/import", methods=["GET", "POST"])
@login_required
def import_sheet(factory_id: int):
    """Upload: every row read and checked against the factory's listings, shown, kept on the
    server; nothing is saved until the preview is confirmed."""
    s = db.session()
    fac = access.get_factory(session=s, user=current_user, factory_id=factory_id, listings=True)
    form, rejected, checked, token = ImportForm(), None, None, None
    if form.validate_on_submit():
        upload = form.sheet.data
        try:
            read = sheets.read_sheet(
                filename=upload.filename, content=upload.read(), encoding=form.encoding.data,
                max_rows=current_app.config["IMPORT_MAX_ROWS"],
                time_budget_s=current_app.config["IMPORT_TIME_BUDGET_S"],
            )  # fmt: skip
            checked = sheets.preview(session=s, factory=fac, rows=read.rows)
            checked.notes = read.notes + checked.notes
            if checked.errors:
                raise sheets.SheetRejected(sheets.rejected_message(checked), checked.errors)
            token = import_drafts.save_draft(folder=_drafts(), factory_id=fac.id,
                                             user_id=current_user.id, read=read,
                                             filename=upload.filename)  # fmt: skip
            session_tokens = session.get("imports", {})
            session_tokens[str(fac.id)] = token
            session["imports"] = session_tokens
        except sheets.SheetRejected as error:
            rejected = error
    status = 422 if rejected or form.errors else 200
    return render_template(
        "listings/import.html", form=form, factory=fac, rejected=rejected, preview=checked,
        confirm=ConfirmImportForm(token=token) if token else None,
        encoding=read.encoding if checked else None,
        name_forms=[WasteNameForm(name=n, formdata=None) for n in checked.unknown_names()]
        if checked else [],
    ), status  # fmt: skip


@bp.post("/<int:factory_id>/import/names")
@login_required
def teach_waste_name(factory_id: int):
    """Remember, for the park, which catalogue material a waste name of its files is."""
    s = db.session()
    fac = access.get_factory(session=s, user=current_user, factory_id=factory_id, listings=True)
    form = WasteNameForm()
    if form.validate_on_submit():
        try:
            waste_names.remember_waste_name(session=s, park_id=fac.park_id, name=form.name.data,
                                            material_key=form.material.data, user=current_user)  # fmt: skip
        except ValueError:
            flash(_("Choose a material for “%(name)s”.", name=form.name.data), "error")
        else:
            s.commit()
            flash(_("Remembered for the park: “%(name)s” is %(material)s. Upload the file "
                    "again.", name=form.name.data, material=form.material.data), "success")  # fmt: skip
    return redirect(url_for("listings.import_sheet", factory_id=fac.id))


@bp.post("/<int:factory_id>/import/confirm")
@login_required
def confirm_import(factory_id: int):
    s = db.session()
    fac = access.get_factory(session=s, user=current_user, factory_id=factory_id, listings=True)
    form = ConfirmImportForm()
    token = form.token.data if form.validate_on_submit() else None
    read = None
    if token and session.get("imports", {}).get(str(fac.id)) == token:
        read = import_drafts.load_draft(folder=_drafts(), token=token,
                                        factory_id=fac.id, user_id=current_user.id)  # fmt: skip
    if read is None:
        flash(_("This preview is no longer kept: upload the sheet again."), "error")
        return redirect(url_for("listings.import_sheet", factory_id=fac.id))
    try:
        counts = sheets.apply_preview(session=s, factory=fac, user=current_user,
                                      checked=sheets.preview(session=s, factory=fac,
                                                             rows=read.rows))  # fmt: skip
    except sheets.SheetRejected:
        s.rollback()
        flash(_("The listings changed since the preview: upload the sheet again."), "error")
        return redirect(url_for("listings.import_sheet", factory_id=fac.id))
    s.commit()
    import_drafts.drop_draft(folder=_drafts(), token=token)
    flash(_("Imported: %(new)d new, %(update)d updated, %(unchanged)d unchanged.",
            new=counts["new"], update=counts["update"], unchanged=counts["unchanged"]),
          "success")  # fmt: skip
    return redirect(url_for("listings.factory", factory_id=fac.id))


@bp.get("/<int:factory_id>/export.<any(csv, xlsx):fmt>")
@login_required
def export_sheet(factory_id: int, fmt: str):
    s = db.session()
    fac = access.get_factory(session=s, user=current_user, factory_id=factory_id)
    page = listings.search_listings(session=s, factory_ids=[fac.id], page=1, per_page=100000)
    rows = sheets.export_rows([item for item, _f in page.items])
    return _sheet_response(rows, f"listings-{fac.slug}", fmt)


@bp.get("/import-template.<any(csv, xlsx):fmt>")
@login_required
def import_template(fmt: str):
    if fmt == "csv":
        return _sheet_response(sheet_template.template_rows(), "listings-template", fmt)
    return Response(sheet_template.template_xlsx(), mimetype=sheets.XLSX_MIME,
                    headers={"Content-Disposition":
                             'attachment; filename="listings-template.xlsx"'})  # fmt: skip


def _sheet_response(rows, stem: str, fmt: str) -> Response:
    body = sheets.to_csv(rows) if fmt == "csv" else sheets.to_xlsx(rows)
    mime = "text/csv; charset=utf-8" if fmt == "csv" else sheets.XLSX_MIME
    return Response(
        body, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'}
    )


@bp.get("/<int:factory_id>/report")
@login_required
def esg_report(factory_id: int):
    """The factory's ESG report over a period (default: this year in the park's calendar), as
    a printable page, PDF or CSV."""
    s = db.session()
    fac = access.get_factory(session=s, user=current_user, factory_id=factory_id)
    start, end = reports.default_period(s.get(Park, fac.park_id))
    try:
        start = reports.month_start(request.args.get("from") or f"{start:%Y-%m}")
        end = reports.month_start(request.args.get("to") or f"{end:%Y-%m}")
    except ValueError:
        flash(_("Give the period as months, YYYY-MM."), "error")
        return redirect(url_for("listings.esg_report", factory_id=fac.id))
    typed = {start: request.args.get("from") or f"{start:%Y-%m}", end: request.args.get("to") or f"{end:%Y-%m}"}
    if start > end:
        start, end = end, start
    park = s.get(Park, fac.park_id)
    this_month = park_today(park).replace(day=1)
    locale = str(get_locale() or "ko")
    if end > this_month:
        # a month that has not begun has nothing recorded: a report for it would be made up
        message = _("The period cannot end in %(month)s: that month has not begun in the park's calendar "
                    "(this month is %(now)s). Choose a period that ends by this month.",
                    month=typed[end], now=f"{this_month:%Y-%m}")  # fmt: skip
        return render_template("listings/report.html", factory=fac, report=None, reports=reports,
                               error=message, form_from=request.args.get("from", ""),
                               form_to=request.args.get("to", ""),
                               factory_name=reports.factory_name(fac, locale)), 400  # fmt: skip
    report = reports.factory_report(session=s, factory=fac, start=start, end=end)
    stem = f"esg-{fac.slug}-{start:%Y%m}-{end:%Y%m}"
    if request.args.get("format") == "pdf":
        return Response(report_pdf(report), mimetype="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{stem}.pdf"'})  # fmt: skip
    if request.args.get("format") == "csv":
        return _sheet_response(reports.report_csv_rows(report, locale), stem, "csv")
    return render_template("listings/report.html", factory=fac, report=report, reports=reports,
                           factory_name=reports.factory_name(fac, locale),
                           issuer=reports.park_name(report.park, locale),
                           method=reports.method_text(report), catalogue=catalogue.load(),
                           form_from=f"{start:%Y-%m}", form_to=f"{end:%Y-%m}")  # fmt: skip


def _drafts():
    return import_drafts.drafts_folder(current_app.config, current_app.instance_path)
