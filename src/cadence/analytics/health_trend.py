"""The team health check (Spotify's squad health check): traffic lights per dimension, and their trend across retros.

Each person answers each dimension with a light — red (1), amber (2) or green (3) — and optionally the direction
they feel it is moving. A health check's answers are summarised per dimension; the trend compares a dimension's
mean with its mean at the previous health check that had answers for it.
"""

from __future__ import annotations

import polars as pl

__all__ = ["ANSWERS", "DIMENSIONS", "LIGHTS", "TRENDS", "health_trend", "light_of"]

DIMENSIONS: dict[str, str] = {
    "easy_to_release": "Easy to release",
    "suitable_process": "Suitable process",
    "tech_quality": "Tech quality (code base health)",
    "value": "Delivering value",
    "speed": "Speed",
    "mission": "Mission",
    "fun": "Fun",
    "learning": "Learning",
    "support": "Support",
    "pawns_or_players": "Pawns or players",
}
"""The squad health check's dimensions (Spotify, 2014), key -> label, in the order the form asks them."""

LIGHTS: dict[int, str] = {1: "red", 2: "amber", 3: "green"}
TRENDS: tuple[str, ...] = ("up", "same", "down")

ANSWERS: dict[str, pl.DataType | type[pl.DataType]] = {
    "meeting_id": pl.Int64,
    "held_at": pl.Datetime("us", "UTC"),
    "dimension": pl.String,
    "score": pl.Int64,  # 1 red, 2 amber, 3 green
}
"""One row per answer of a revealed health check."""


def light_of(mean: pl.Expr) -> pl.Expr:
    """The light a mean score shows: green from 2.5, red below 1.5, amber between."""
    return pl.when(mean >= 2.5).then(pl.lit("green")).when(mean < 1.5).then(pl.lit("red")).otherwise(pl.lit("amber"))


def health_trend(answers: pl.DataFrame, *, tolerance: float = 0.25) -> pl.DataFrame:
    """**Health trend** per dimension across retros: for each revealed health check (a retro) and dimension, the
    **mean score** of its answers (red = 1, amber = 2, green = 3) and how many answers showed each light; its
    **light** is green when the mean is at least 2.5, red when it is below 1.5, else amber. The **change** is the mean
    minus the mean of the same dimension at the previous health check (by the retro's time) that had answers for
    it, null for the first; the **trend** is ``up`` when the change is above ``tolerance`` (default 0.25, a quarter
    of a light), ``down`` when it is below -``tolerance``, else ``same`` (null for the first).

    One row per (dimension, meeting), by dimension then time: dimension, meeting_id, held_at, answers, red, amber,
    green, mean_score, light, change, trend.
    """
    if tolerance < 0:
        raise ValueError(f"tolerance {tolerance} is negative")
    rows = answers.select(
        pl.col("meeting_id").cast(pl.Int64),
        pl.col("held_at").cast(pl.Datetime("us", "UTC")),
        pl.col("dimension").cast(pl.String),
        pl.col("score").cast(pl.Int64),
    )
    bad = rows.filter(~pl.col("score").is_between(1, 3))
    if bad.height:
        raise ValueError(f"health-check scores are 1, 2 or 3; got {bad.get_column('score').unique().to_list()}")
    summary = (
        rows.group_by("dimension", "meeting_id", "held_at")
        .agg(
            answers=pl.len().cast(pl.Int64),
            red=(pl.col("score") == 1).sum().cast(pl.Int64),
            amber=(pl.col("score") == 2).sum().cast(pl.Int64),
            green=(pl.col("score") == 3).sum().cast(pl.Int64),
            mean_score=pl.col("score").mean(),
        )
        .sort("dimension", "held_at", "meeting_id")
    )
    change = pl.col("mean_score") - pl.col("mean_score").shift(1).over("dimension", order_by=["held_at", "meeting_id"])
    return summary.with_columns(light=light_of(pl.col("mean_score")), change=change).with_columns(
        trend=pl.when(pl.col("change").is_null())
        .then(pl.lit(None, dtype=pl.String))
        .when(pl.col("change") > tolerance)
        .then(pl.lit("up"))
        .when(pl.col("change") < -tolerance)
        .then(pl.lit("down"))
        .otherwise(pl.lit("same"))
    ).select("dimension", "meeting_id", "held_at", "answers", "red", "amber", "green", "mean_score", "light",
             "change", "trend")  # fmt: skip
