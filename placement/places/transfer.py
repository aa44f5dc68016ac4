"""CSV export and import of shelters and hotels: all rows or none."""

from flask import Response, flash, redirect, render_template, url_for

from partners.base import utcnow
from partners.places_csv import (
    CsvRejected,
    decode,
    export_hotels,
    export_shelters,
    import_hotels,
    import_shelters,
)

from ..auth.access import roles
from ..auth.models import Role
from ..extensions import db
from . import bp
from .forms import UploadForm
from .offers import offer_choices, telling_unfit_stays

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
KINDS = {
    "shelters": (export_shelters, import_shelters, "places.shelters"),
    "hotels": (export_hotels, import_hotels, "places.hotels"),
}


def download(kind: str) -> Response:
    export = KINDS[kind][0]
    name = f"{kind}-{utcnow():%Y-%m-%d}.csv"
    return Response(export(db.session), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store",  # confidential addresses: keep them out of caches
    })


def upload(kind: str):
    _export, run_import, back = KINDS[kind]
    form = UploadForm()
    errors = []
    if form.validate_on_submit():
        data = form.file.data.read(MAX_UPLOAD_BYTES + 1)
        try:
            if len(data) > MAX_UPLOAD_BYTES:
                form.file.errors.append("The file is over 2 MB; split it into smaller files.")
                raise CsvRejected([])
            with telling_unfit_stays():
                summary = run_import(db.session, decode(data))
                flash(f"Imported {kind}: {summary.created} added, {summary.updated} updated.",
                      "success")
        except CsvRejected as rejected:
            errors = rejected.errors
        else:
            return redirect(url_for(back))
    status = 400 if form.is_submitted() else 200
    return render_template("places/import.html", form=form, kind=kind, errors=errors,
                           needs=offer_choices(kind.removesuffix("s"))), status


@bp.route("/shelters.csv")
@roles(Role.COORDINATOR)
def export_shelters_csv():
    return download("shelters")


@bp.route("/hotels.csv")
@roles(Role.COORDINATOR)
def export_hotels_csv():
    return download("hotels")


@bp.route("/shelters/import", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def import_shelters_csv():
    return upload("shelters")


@bp.route("/hotels/import", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def import_hotels_csv():
    return upload("hotels")
