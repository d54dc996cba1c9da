"""Records as JSON: IDs as strings, times in UTC ISO 8601, and absolute `links`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from cliniko_sandbox.clock import iso8601
from cliniko_sandbox.state import Patient, User


def _time(value):
    return iso8601(value) if value is not None else None


def user_json(user: User, base_url: str) -> dict[str, Any]:
    return {
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role,
        "time_zone": user.time_zone,
        "created_at": _time(user.created_at),
        "updated_at": _time(user.updated_at),
        "links": {"self": f"{base_url}/user"},
    }


def patient_url(patient_id: str, base_url: str) -> str:
    return f"{base_url}/patients/{patient_id}"


def patient_json(patient: Patient, base_url: str) -> dict[str, Any]:
    return {
        "id": patient.id,
        "title": patient.title,
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "date_of_birth": patient.date_of_birth,
        "email": patient.email,
        "created_at": _time(patient.created_at),
        "updated_at": _time(patient.updated_at),
        "archived_at": _time(patient.archived_at),
        "links": {"self": patient_url(patient.id, base_url)},
    }


def deleted_patient_json(patient: Patient, base_url: str) -> dict[str, Any]:
    """A deleted patient as the list of deleted patients shows it: the record, with `deleted_at`.

    Its `links.self` is the address the patient had; that address now answers `404`.
    """
    record = patient_json(patient, base_url)
    links = record.pop("links")
    return {**record, "deleted_at": _time(patient.deleted_at), "links": links}


def page_url(collection_url: str, page: int, per_page: int | None, carried: Sequence[tuple[str, str]] = ()) -> str:
    """A page's URL: `page`, `per_page` when given, then the list's filter and order parameters as sent."""
    query: list[tuple[str, str | int]] = [("page", page)]
    if per_page is not None:
        query.append(("per_page", per_page))
    query += carried
    return f"{collection_url}?{urlencode(query)}"


def list_json(
    key: str,
    records: list[dict[str, Any]],
    *,
    total_entries: int,
    collection_url: str,
    page: int,
    per_page: int,
    per_page_given: bool,
    carried: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """Wrap one page of records with `total_entries` and the `self`, `next` and `previous` links.

    A link that does not apply is left out: no `previous` on page 1, no `next` on the last page (or past
    it).
    `per_page` is carried into the links only when the client chose it. `carried` holds the filter and
    order parameters (`q`, `q[]`, `sort`, `order`) as the client sent them: every link repeats them, so
    that following `next` continues the same list.
    """
    shown_per_page = per_page if per_page_given else None
    links = {"self": page_url(collection_url, page, shown_per_page, carried)}
    if page * per_page < total_entries:
        links["next"] = page_url(collection_url, page + 1, shown_per_page, carried)
    if page > 1:
        # Past the end, `previous` leads back to the last page that has records, not to another empty one.
        last_page = max(1, -(-total_entries // per_page))
        links["previous"] = page_url(collection_url, min(page - 1, last_page), shown_per_page, carried)
    return {key: records, "total_entries": total_entries, "links": links}
