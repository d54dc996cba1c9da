"""The mock's data: accounts, users with their API keys, and patients.

All changes go through `Store`, under one lock, so concurrent requests see a consistent state.

A change sets the time of what it changed (a record's `updated_at`, and the time its account's patient
list last changed) to the request's instant. It never moves a time back: after the clock is set back, the
later time is kept, and a response sends it as the clock's time (`caching.Validators`), so that
`Last-Modified` is never later than `Date` (RFC 9110, 8.8.2.1). Several changes within one second share
one `Last-Modified`, which has whole seconds only; the `ETag` tells them apart.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from datetime import datetime

from cliniko_sandbox.clock import Clock

#: Roles whose keys may create, change and archive patients. Every other role may only read them.
ROLES_THAT_WRITE_PATIENTS = frozenset({"administrator", "practitioner", "receptionist"})


def next_change_time(previous: datetime | None, now: datetime) -> datetime:
    """The time of a change made at `now` to something last changed at `previous` (see the module)."""
    return now if previous is None or now >= previous else previous


@dataclass
class Account:
    id: str
    name: str


@dataclass
class User:
    id: str
    account_id: str
    api_key: str
    first_name: str
    last_name: str
    email: str
    role: str
    time_zone: str
    created_at: datetime
    updated_at: datetime

    @property
    def may_write_patients(self) -> bool:
        return self.role in ROLES_THAT_WRITE_PATIENTS


@dataclass
class Patient:
    id: str
    account_id: str
    first_name: str
    last_name: str
    created_at: datetime
    updated_at: datetime
    title: str | None = None
    date_of_birth: str | None = None
    email: str | None = None
    archived_at: datetime | None = None
    #: Set only on the records of `Dataset.deleted_patients`.
    deleted_at: datetime | None = None

    #: The fields a client may send when creating or updating a patient.
    WRITABLE = ("title", "first_name", "last_name", "date_of_birth", "email")


@dataclass
class Dataset:
    """Everything the mock knows, in a form that can be copied whole for a reset."""

    accounts: dict[str, Account] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    patients: dict[str, Patient] = field(default_factory=dict)
    #: Patients that were deleted. They are kept apart from `patients`: the API shows them only in the
    #: list of deleted patients, and every other route answers `404` for their IDs. Nothing changes them.
    deleted_patients: dict[str, Patient] = field(default_factory=dict)
    #: The last ID given to a patient; a new patient gets the next one that no record holds.
    next_patient_id: int = 0


class Store:
    """The mutable state behind the API.

    Args:
        initial: the data set a reset returns to (it is copied, never changed).
        clock: where creation and update times come from.
    """

    def __init__(self, initial: Dataset, clock: Clock) -> None:
        self._initial = copy.deepcopy(initial)
        self._clock = clock
        self._lock = threading.RLock()
        self._data = self._fresh_copy()
        self._users_by_key = self._index_keys()
        self._lists_changed_at = self._seeded_list_times()

    def _seeded_list_times(self) -> dict[str, datetime]:
        times: dict[str, datetime] = {}
        for patient in self._data.patients.values():
            known = times.get(patient.account_id)
            times[patient.account_id] = patient.updated_at if known is None else max(known, patient.updated_at)
        return times

    def _list_changed(self, account_id: str, at: datetime) -> None:
        self._lists_changed_at[account_id] = next_change_time(self._lists_changed_at.get(account_id), at)

    def _fresh_copy(self) -> Dataset:
        """A copy of the initial data that changes cannot reach back into.

        A record's fields are strings, datetimes or None, which are never changed in place, so a
        shallow copy of each record is enough (and much cheaper than a deep copy, on every reset).
        """
        initial = self._initial
        return Dataset(
            accounts={key: copy.copy(value) for key, value in initial.accounts.items()},
            users={key: copy.copy(value) for key, value in initial.users.items()},
            patients={key: copy.copy(value) for key, value in initial.patients.items()},
            deleted_patients={key: copy.copy(value) for key, value in initial.deleted_patients.items()},
            next_patient_id=initial.next_patient_id,
        )

    def _index_keys(self) -> dict[str, User]:
        return {user.api_key: user for user in self._data.users.values()}

    def reset(self) -> None:
        """Return to the initial data set."""
        with self._lock:
            # The old records are dropped with the old data set: nothing else refers to them.
            self._data = self._fresh_copy()
            self._users_by_key = self._index_keys()
            self._lists_changed_at = self._seeded_list_times()

    # Users -----------------------------------------------------------------------------------

    def user_for_key(self, api_key: str) -> User | None:
        with self._lock:
            return self._users_by_key.get(api_key)

    def users(self) -> list[User]:
        with self._lock:
            return list(self._data.users.values())

    def accounts(self) -> list[Account]:
        with self._lock:
            return list(self._data.accounts.values())

    # Patients --------------------------------------------------------------------------------

    def active_patients(self, account_id: str) -> list[Patient]:
        """The account's patients that are not archived, oldest first (by ID)."""
        with self._lock:
            found = [
                p
                for p in self._data.patients.values()
                if p.account_id == account_id and p.archived_at is None
            ]
        return sorted(found, key=lambda p: int(p.id))

    def archived_patients(self, account_id: str) -> list[Patient]:
        """The account's archived patients, oldest first (by ID)."""
        with self._lock:
            found = [
                copy.copy(p)
                for p in self._data.patients.values()
                if p.account_id == account_id and p.archived_at is not None
            ]
        return sorted(found, key=lambda p: int(p.id))

    def deleted_patients(self, account_id: str) -> list[Patient]:
        """The account's deleted patients, oldest first (by ID)."""
        with self._lock:
            found = [p for p in self._data.deleted_patients.values() if p.account_id == account_id]
        return sorted(found, key=lambda p: int(p.id))

    def patients_changed_at(self, account_id: str) -> datetime | None:
        """When the account's patient list last changed (archiving counts), or None if it has none."""
        with self._lock:
            return self._lists_changed_at.get(account_id)

    def patient(self, account_id: str, patient_id: str) -> Patient | None:
        """The patient with that ID in that account; another account's patient is not found."""
        with self._lock:
            patient = self._data.patients.get(patient_id)
            if patient is None or patient.account_id != account_id:
                return None
            return copy.copy(patient)

    def create_patient(self, account_id: str, fields: dict[str, str | None], now: datetime | None = None) -> Patient:
        with self._lock:
            now = now or self._clock.now()
            self._data.next_patient_id += 1
            # The seed's deleted patients hold IDs of a block of their own, far above the ones given
            # here; an ID is still never given twice.
            while str(self._data.next_patient_id) in self._data.deleted_patients:
                self._data.next_patient_id += 1
            patient = Patient(
                id=str(self._data.next_patient_id),
                account_id=account_id,
                first_name=fields["first_name"] or "",
                last_name=fields["last_name"] or "",
                title=fields.get("title"),
                date_of_birth=fields.get("date_of_birth"),
                email=fields.get("email"),
                created_at=now,
                updated_at=now,
            )
            self._data.patients[patient.id] = patient
            self._list_changed(account_id, now)
            return copy.copy(patient)

    def update_patient(
        self, account_id: str, patient_id: str, fields: dict[str, str | None], now: datetime | None = None
    ) -> Patient | None:
        with self._lock:
            patient = self._data.patients.get(patient_id)
            if patient is None or patient.account_id != account_id:
                return None
            changed = False
            for name, value in fields.items():
                if getattr(patient, name) != value:
                    setattr(patient, name, value)
                    changed = True
            if changed:
                patient.updated_at = next_change_time(patient.updated_at, now or self._clock.now())
                self._list_changed(account_id, patient.updated_at)
            return copy.copy(patient)

    def set_archived(
        self, account_id: str, patient_id: str, archived: bool, now: datetime | None = None
    ) -> Patient | None:
        """Archive a patient (`archived`), or bring an archived one back to the list.

        A patient already in that state is left as it is, `archived_at` and `updated_at` included.
        """
        with self._lock:
            patient = self._data.patients.get(patient_id)
            if patient is None or patient.account_id != account_id:
                return None
            if (patient.archived_at is not None) != archived:
                changed_at = next_change_time(patient.updated_at, now or self._clock.now())
                patient.archived_at = changed_at if archived else None
                patient.updated_at = changed_at
                self._list_changed(account_id, changed_at)
            return copy.copy(patient)
