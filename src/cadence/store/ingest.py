"""Writing a :class:`RecordBatch` into the store: idempotent, in one transaction, nothing guessed.

Entities keyed by ``(source, source_id)`` are inserted when new, updated when their content digest changed and
left alone otherwise; history events are keyed by ``(item, event_key)`` and only ever added. Rows that refer to
something unknown (a team, an item) are skipped and reported as problems; people who are referenced but not
described (a Jira account id in a changelog) are kept as placeholders named by their id.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import polars as pl
from sqlalchemy import Connection, Table, select

from cadence.domain import frames as F
from cadence.domain.batch import Problem, RecordBatch
from cadence.domain.model import Role
from cadence.store import schema as S
from cadence.store.bulk import content_hashes, insert_ignoring_duplicates, key_map, missing_required, upsert_by_hash
from cadence.store.ingest_support import write_operations, write_support
from cadence.store.workspace import ensure_workspace

__all__ = ["IngestReport", "ingest"]

_MAX_LISTED_PROBLEMS = 1000


@dataclass
class IngestReport:
    """What one batch changed: per entity, rows inserted / updated / unchanged / skipped, and the problems."""

    inserted: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    teams_changed: set[int] = field(default_factory=set)

    @property
    def stored(self) -> int:
        return sum(self.inserted.values()) + sum(self.updated.values())

    def skip(self, entity: str, rows: pl.DataFrame, what: str, ref: str) -> None:
        if rows.height == 0:
            return
        self.skipped[entity] += rows.height
        listed = rows.get_column(ref).head(max(_MAX_LISTED_PROBLEMS - len(self.problems), 0)).to_list()
        self.problems.extend(Problem(problem=f"{entity[:-1]} {what}", record=str(r)) for r in listed)
        if rows.height > len(listed):
            self.problems.append(Problem(problem=f"{rows.height - len(listed)} more {entity} {what}"))


class _Ingest:
    def __init__(self, conn: Connection, batch: RecordBatch, workspace_id: int) -> None:
        self.conn = conn
        self.batch = batch
        self.source = batch.source
        self.workspace_id = workspace_id
        self.report = IngestReport()
        self.team_ids = pl.DataFrame(schema={"team": pl.String, "team_id": pl.Int64})
        self.person_ids = pl.DataFrame(schema={"person": pl.String, "person_id": pl.Int64})
        self.item_ids = pl.DataFrame(schema={"item": pl.String, "item_id": pl.Int64, "item_team_id": pl.Int64})

    # --- references -----------------------------------------------------------------------------------------
    def _resolve(
        self, entity: str, frame: pl.DataFrame, column: str, ids: pl.DataFrame, *, required: bool, what: str
    ) -> pl.DataFrame:
        """Replace reference ``column`` by the columns of ``ids`` (its first column is the reference).

        With ``required``, rows whose reference is unknown are skipped and reported; otherwise they get nulls.
        """
        key = ids.columns[0]
        out = frame.join(
            ids.rename({key: "__ref"}), left_on=column, right_on="__ref", how="left", maintain_order="left"
        )
        first = ids.columns[1]
        if required:
            missing = out.filter(pl.col(column).is_null() | pl.col(first).is_null())
            self.report.skip(entity, missing, f"refers to unknown {what}", column)
            out = out.filter(pl.col(column).is_not_null() & pl.col(first).is_not_null())
        return out.drop(column) if column not in ids.columns[1:] else out

    def _person(self, frame: pl.DataFrame, column: str, into: str) -> pl.DataFrame:
        """Replace a person's source id by the stored person id (``None`` stays ``None``)."""
        ids = self.person_ids.rename({"person_id": "__person_id"})
        out = self._resolve("people", frame, column, ids, required=False, what="person")
        return out.rename({"__person_id": into})

    # --- organisation ---------------------------------------------------------------------------------------
    def teams(self) -> None:
        if self.batch.teams is not None and self.batch.teams.height:
            teams = F.conform(self.batch.teams, F.TEAMS, name="teams").unique("key", keep="last", maintain_order=True)
            teams = teams.with_columns(pl.lit(self.workspace_id).alias("workspace_id"))
            stored = key_map(self.conn, S.table(S.Team), teams.select("key"), fixed={"workspace_id": self.workspace_id})
            new = teams.join(stored, on="key", how="anti")
            self._insert_rows(S.Team, new.with_columns(pl.lit(0).alias("data_version")), "teams")
            self.report.unchanged["teams"] += teams.height - new.height
        table = S.table(S.Team)
        rows = self.conn.execute(select(table.c.key, table.c.id).where(table.c.workspace_id == self.workspace_id))
        self.team_ids = pl.DataFrame([tuple(r) for r in rows], schema=self.team_ids.schema, orient="row")

    def _insert_rows(self, model: type[S.Base], frame: pl.DataFrame, entity: str) -> None:
        if frame.height:
            table = S.table(model)
            now = pl.lit(_now(), dtype=pl.Datetime("us", "UTC")).alias("created_at")
            frame = frame.with_columns(now) if "created_at" in table.c and "created_at" not in frame.columns else frame
            self.report.inserted[entity] += insert_ignoring_duplicates(self.conn, table, frame, [])

    def people(self) -> None:
        referenced = self._referenced_people()
        described = (
            F.conform(self.batch.people, F.PEOPLE, name="people").unique("source_id", keep="last", maintain_order=True)
            if self.batch.people is not None
            else F.empty(F.PEOPLE)
        )
        placeholders = referenced.join(described.select("source_id"), on="source_id", how="anti")
        if placeholders.height:
            stored = key_map(self.conn, S.table(S.Person), placeholders, fixed={"source": self.source})
            placeholders = placeholders.join(stored, on="source_id", how="anti")
        placeholders = placeholders.with_columns(
            pl.col("source_id").alias("display_name"), pl.lit(None, pl.String).alias("email")
        )
        people = pl.concat([described, placeholders.select(described.columns)])
        if people.height:
            people = people.with_columns(content_hashes(people), pl.lit(True).alias("active"))
            result, ids = upsert_by_hash(
                self.conn, S.table(S.Person), people, key=["source_id"], fixed={"source": self.source}
            )
            self._count("people", result)
        ids = key_map(self.conn, S.table(S.Person), referenced, fixed={"source": self.source})
        self.person_ids = ids.rename({"source_id": "person", "id": "person_id"})

    def _referenced_people(self) -> pl.DataFrame:
        columns = []
        for frame in self.batch.frames().values():
            for name in ("person_id", "assignee_id", "reporter_id", "by_id", "from_id", "to_id", "owner_id"):
                if name in frame.columns and frame.schema[name] == pl.String:
                    columns.append(frame.get_column(name).alias("source_id"))
        if self.batch.people is not None and self.batch.people.height:
            columns.append(self.batch.people.get_column("source_id"))
        if not columns:
            return pl.DataFrame(schema={"source_id": pl.String})
        return pl.concat(columns).drop_nulls().unique(maintain_order=True).to_frame("source_id")

    def memberships(self) -> None:
        if self.batch.memberships is None:
            return
        rows = F.conform(self.batch.memberships, F.MEMBERSHIPS, name="memberships")
        bad = rows.filter(~pl.col("role").is_in([r.value for r in Role]))
        self.report.skip("memberships", bad, "has an unknown role", "role")
        rows = rows.filter(pl.col("role").is_in([r.value for r in Role]))
        rows = self._resolve("memberships", rows, "team", self.team_ids, required=True, what="team")
        rows = self._person(rows, "person_id", "person_id").filter(pl.col("person_id").is_not_null())
        rows = rows.unique(["team_id", "person_id"], keep="last", maintain_order=True)
        table = S.table(S.Membership)
        stored = key_map(self.conn, table, rows.select("team_id", "person_id"), extra=["role"])
        joined = rows.join(
            stored.rename({"role": "_role"}), on=["team_id", "person_id"], how="left", maintain_order="left"
        )
        new = joined.filter(pl.col("id").is_null()).select("team_id", "person_id", "role")
        changed = joined.filter(pl.col("id").is_not_null() & (pl.col("role") != pl.col("_role")))
        self.report.inserted["memberships"] += insert_ignoring_duplicates(
            self.conn, table, new.with_columns(pl.lit(1.0).alias("capacity")), ["team_id", "person_id"]
        )
        for row in changed.iter_rows(named=True):  # role changes are rare and few
            self.conn.execute(table.update().where(table.c.id == row["id"]).values(role=row["role"]))
        self.report.updated["memberships"] += changed.height
        self.report.unchanged["memberships"] += joined.height - new.height - changed.height

    # --- generic entity upsert --------------------------------------------------------------------------------
    def entity(
        self, entity: str, model: type[S.Base], frame: pl.DataFrame, *, people: dict[str, str], team: bool = True
    ) -> pl.DataFrame:
        """Upsert ``(source, source_id)``-keyed rows; returns ``source_id -> id, team_id``."""
        frame = frame.unique("source_id", keep="last", maintain_order=True)
        if team:
            frame = self._resolve(entity, frame, "team", self.team_ids, required=True, what="team")
        table = S.table(model)
        frame = self._complete(entity, table, frame, "source_id")
        frame = frame.with_columns(content_hashes(frame))
        for column, into in people.items():
            frame = self._person(frame, column, into)
        result, ids = upsert_by_hash(self.conn, table, frame, key=["source_id"], fixed={"source": self.source})
        self._count(entity, result)
        if team and (result.inserted or result.updated):
            touched = frame.join(ids, on="source_id").filter(pl.col("id").is_not_null())
            self.report.teams_changed.update(touched.get_column("team_id").unique().to_list())
        return ids.join(frame.select("source_id", *(["team_id"] if team else [])), on="source_id")

    def _complete(self, entity: str, table: Table, frame: pl.DataFrame, ref: str) -> pl.DataFrame:
        """Skip (and report) rows lacking a value the table requires, instead of failing the whole batch."""
        incomplete, columns = missing_required(table, frame)
        if incomplete is None:
            return frame
        self.report.skip(entity, frame.filter(incomplete), f"lacks one of {', '.join(columns)}", ref)
        return frame.filter(~incomplete)

    def _count(self, entity: str, result: object) -> None:
        self.report.inserted[entity] += result.inserted  # type: ignore[attr-defined]
        self.report.updated[entity] += result.updated  # type: ignore[attr-defined]
        self.report.unchanged[entity] += result.unchanged  # type: ignore[attr-defined]

    def sprints(self) -> pl.DataFrame:
        if self.batch.sprints is None:
            return pl.DataFrame(schema={"source_id": pl.String, "id": pl.Int64})
        rows = F.conform(self.batch.sprints, F.SPRINTS, name="sprints")
        return self.entity("sprints", S.Sprint, rows, people={}).select("source_id", "id")

    def items(self) -> None:
        if self.batch.items is not None and self.batch.items.height:
            rows = F.conform(self.batch.items, F.ITEMS, name="items")
            rows = rows.with_columns(pl.col("flagged").fill_null(False))
            ids = self.entity(
                "items", S.WorkItem, rows, people={"assignee_id": "assignee_id", "reporter_id": "reporter_id"}
            )
            self.item_ids = ids.select(
                pl.col("source_id").alias("item"),
                pl.col("id").alias("item_id"),
                pl.col("team_id").alias("item_team_id"),
            )
        self.item_ids = self._with_stored_items(self.item_ids)

    def _with_stored_items(self, known: pl.DataFrame) -> pl.DataFrame:
        """Add stored items that this batch's events or links refer to but whose rows it does not carry."""
        refs = []
        for name in (
            "transitions",
            "sprint_changes",
            "estimate_changes",
            "assignee_changes",
            "flag_changes",
            "ticket_links",
            "impediments",
        ):
            frame = getattr(self.batch, name)
            if frame is not None and "item_source_id" in frame.columns:
                refs.append(frame.get_column("item_source_id"))
        if self.batch.item_links is not None:
            refs += [self.batch.item_links.get_column(c) for c in ("from_source_id", "to_source_id")]
        if not refs:
            return known
        wanted = pl.concat(refs).drop_nulls().unique().to_frame("source_id")
        wanted = wanted.join(known, left_on="source_id", right_on="item", how="anti")
        if wanted.height == 0:
            return known
        stored = key_map(self.conn, S.table(S.WorkItem), wanted, extra=["team_id"], fixed={"source": self.source})
        stored = stored.select(
            pl.col("source_id").alias("item"),
            pl.col("id").alias("item_id"),
            pl.col("team_id").cast(pl.Int64).alias("item_team_id"),
        )
        return pl.concat([known, stored])

    # --- history events -----------------------------------------------------------------------------------------
    def events(
        self,
        entity: str,
        model: type[S.Base],
        frame: pl.DataFrame | None,
        schema: F.Schema,
        people: dict[str, str],
        sprint_ids: pl.DataFrame | None = None,
    ) -> None:
        if frame is None or frame.height == 0:
            return
        rows = F.conform(frame, schema, name=entity)
        rows = self._resolve(entity, rows, "item_source_id", self.item_ids, required=True, what="item")
        if sprint_ids is not None:
            sprints = sprint_ids.rename({"id": "__sprint_id"})
            rows = self._resolve(entity, rows, "sprint_id", sprints, required=True, what="sprint")
            rows = rows.rename({"__sprint_id": "sprint_id"})
        for column, into in people.items():
            rows = self._person(rows, column, into)
        table = S.table(model)
        rows = self._complete(entity, table, rows, "event_key")
        new = insert_ignoring_duplicates(self.conn, table, rows.drop("item_team_id"), ["item_id", "event_key"])
        self.report.inserted[entity] += new
        self.report.unchanged[entity] += rows.height - new
        if new:
            self.report.teams_changed.update(rows.get_column("item_team_id").unique().to_list())

    def item_links(self) -> None:
        if self.batch.item_links is None or self.batch.item_links.height == 0:
            return
        rows = F.conform(self.batch.item_links, F.ITEM_LINKS, name="item_links")
        ends = self.item_ids.select("item", "item_id")
        rows = self._resolve(
            "item_links", rows, "from_source_id", ends.rename({"item_id": "from_item_id"}), required=True, what="item"
        )
        rows = self._resolve(
            "item_links", rows, "to_source_id", ends.rename({"item_id": "to_item_id"}), required=True, what="item"
        )
        new = insert_ignoring_duplicates(
            self.conn, S.table(S.ItemLink), rows, ["from_item_id", "to_item_id", "link_type"]
        )
        self.report.inserted["item_links"] += new
        self.report.unchanged["item_links"] += rows.height - new


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def ingest(conn: Connection, batch: RecordBatch, *, workspace: str = "default") -> IngestReport:
    """Write ``batch`` on ``conn`` (the caller owns the transaction) and bump changed teams' data versions."""
    run = _Ingest(conn, batch, ensure_workspace(conn, workspace))
    run.report.problems.extend(batch.problems)
    run.teams()
    run.people()
    run.memberships()
    sprint_ids = run.sprints()
    run.items()
    run.events("transitions", S.Transition, batch.transitions, F.TRANSITIONS, {"by_id": "by_id"})
    run.events(
        "sprint_changes",
        S.SprintChange,
        batch.sprint_changes,
        F.SPRINT_CHANGES,
        {"by_id": "by_id"},
        sprint_ids=sprint_ids,
    )
    run.events("estimate_changes", S.EstimateChange, batch.estimate_changes, F.ESTIMATE_CHANGES, {"by_id": "by_id"})
    run.events(
        "assignee_changes",
        S.AssigneeChange,
        batch.assignee_changes,
        F.ASSIGNEE_CHANGES,
        {"from_id": "from_id", "to_id": "to_id", "by_id": "by_id"},
    )
    run.events("flag_changes", S.FlagChange, batch.flag_changes, F.FLAG_CHANGES, {"by_id": "by_id"})
    run.item_links()
    write_support(run)
    write_operations(run)
    if run.report.teams_changed:
        table = S.table(S.Team)
        conn.execute(
            table.update()
            .where(table.c.id.in_(sorted(run.report.teams_changed)))
            .values(data_version=table.c.data_version + 1)
        )
    return run.report
