from __future__ import annotations

import tomllib

import polars as pl
import pytest

from cadence.analytics.workflow import DEFAULT_WORKFLOW, Stage, UnmappedStatus, Workflow, map_statuses

TOML = """
[workflow]
commitment = "Selected"
delivery = "Shipped"
discarded = ["Abandoned"]

[[workflow.stages]]
name = "Ideas"
category = "backlog"
statuses = ["Open", "To Do"]

[[workflow.stages]]
name = "Selected"
category = "committed"
statuses = ["Selected"]

[[workflow.stages]]
name = "Building"
category = "active"
statuses = ["In Progress", "Doing"]

[[workflow.stages]]
name = "Waiting for review"
category = "waiting"
statuses = ["Ready for Review"]

[[workflow.stages]]
name = "Shipped"
category = "done"
statuses = ["Done", "Released"]
"""


def test_a_toml_workflow_table_parses_into_ordered_stages() -> None:
    workflow = Workflow.from_mapping(tomllib.loads(TOML)["workflow"])
    assert workflow.names == ("Ideas", "Selected", "Building", "Waiting for review", "Shipped")
    assert (workflow.commitment_index, workflow.delivery_index) == (1, 4)
    assert workflow.stage_of("doing") == 2  # case-insensitive
    assert workflow.stage_of("abandoned") == 4  # discarded statuses land on the delivery stage
    assert workflow.is_discarded("Abandoned") and not workflow.is_discarded("Done")
    assert workflow.stages[3].in_progress and not workflow.stages[1].in_progress


def test_commitment_and_delivery_default_to_the_first_committed_and_done_stages() -> None:
    workflow = Workflow(
        stages=(
            Stage("Todo", "backlog", ("To Do",)),
            Stage("Doing", "active", ("Doing",)),
            Stage("Done", "done", ("Done",)),
            Stage("Live", "done", ("Live",)),
        )
    )
    assert (workflow.commitment, workflow.delivery) == ("Doing", "Done")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(colour="red"), "unknown key(s) ['colour']"),
        (lambda d: d.update(stages=[]), "workflow.stages must be a non-empty list"),
        (lambda d: d["stages"][2].update(category="doing"), "workflow.stages[2].category is 'doing'"),
        (lambda d: d["stages"][0].update(name=""), "workflow.stages[0].name must be a non-empty string"),
        (lambda d: d["stages"][1].update(statuses="Selected"), "workflow.stages[1].statuses (stage 'Selected')"),
        (lambda d: d["stages"][1].update(wip_limit=3), "workflow.stages[1] has unknown key(s) ['wip_limit']"),
        (lambda d: d.update(commitment="Nowhere"), "workflow.commitment is 'Nowhere', which is not a stage name"),
        (lambda d: d.update(delivery="Building"), "workflow.delivery is 'Building', a stage that is not of category"),
        (lambda d: d.update(commitment="Ideas"), "workflow.commitment is 'Ideas'; it must be a committed"),
        (lambda d: d["stages"][4].update(statuses=["Doing"]), "status 'Doing' is listed in stages 'Building'"),
        (lambda d: d["stages"][1].update(category="done"), "stage 'Building' (active) comes after 'Selected' (done)"),
        (lambda d: d.update(discarded="Abandoned"), "workflow.discarded must be a list of non-empty strings"),
    ],
)
def test_a_bad_workflow_table_names_the_bad_key_or_value(mutate: object, message: str) -> None:
    table = tomllib.loads(TOML)["workflow"]
    mutate(table)  # type: ignore[operator]
    with pytest.raises(ValueError) as caught:
        Workflow.from_mapping(table)
    assert message in str(caught.value)


def test_the_default_workflow_maps_the_demo_statuses() -> None:
    w = DEFAULT_WORKFLOW
    assert w.names == ("Backlog", "Ready", "In Progress", "Review", "QA", "Done")
    assert [s.category for s in w.stages] == ["backlog", "committed", "active", "waiting", "active", "done"]
    assert (w.commitment, w.delivery) == ("Ready", "Done")
    for status in ("Closed", "Resolved", "Won't Do"):
        assert w.stage_of(status) == w.delivery_index
    assert w.is_discarded("won't do") and not w.is_discarded("Closed")


def test_unmapped_statuses_fall_back_to_their_jira_category_and_are_reported() -> None:
    frame = pl.DataFrame({"status": ["Doing", "Triage", "Triage", "Deployed", "Mystery", "Parked", None]})
    mapped, unmapped = map_statuses(
        frame, DEFAULT_WORKFLOW, {"Triage": "new", "Deployed": "done", "Parked": "In Progress"}
    )
    assert mapped["stage"].cast(pl.String).to_list() == [
        "In Progress",
        "Backlog",
        "Backlog",
        "Done",
        None,
        "In Progress",
        None,
    ]
    assert mapped["mapped"].to_list() == [True, False, False, False, False, False, False]
    assert unmapped == [
        UnmappedStatus("Triage", 2, "new", "Backlog"),
        UnmappedStatus("Deployed", 1, "done", "Done"),
        UnmappedStatus("Mystery", 1, None, None),
        UnmappedStatus("Parked", 1, "In Progress", "In Progress"),
    ]
