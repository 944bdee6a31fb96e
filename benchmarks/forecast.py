"""Monte Carlo forecasts and the rolling-origin back-test, timed.

Usage: .venv/bin/python benchmarks/forecast.py [--trials 10000] [--days 365] [--years 5] [--repeat 5] [--json]

Prints the median time of: a "how many" forecast of ``--trials`` trials over ``--days`` days; a "when" forecast of
the same size (the number of items a median trial delivers in ``--days``); the burn-up forecast cone (P50/P85/P95 of
the running totals on each of ``--days`` days, a scope too large to finish within them); and a back-test (horizons
14, 28, 56; 2000 trials per origin, weekly origins) over ``--years`` years of synthetic daily throughput.
Target (issue [E]): 10,000 trials in well under 100 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
from collections.abc import Callable

import numpy as np

from cadence.analytics.backtest import hindcast
from cadence.analytics.burn_up import forecast_cone
from cadence.analytics.forecast import forecast_how_many, forecast_when

START = dt.date(2026, 1, 5)


def _median_seconds(call: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    sample = np.random.default_rng(0).poisson(2.0, 56)
    end = START + dt.timedelta(days=args.days - 1)
    items = int(sample.mean() * args.days)
    history = np.random.default_rng(1).poisson(2.0, args.years * 365)
    result = {
        "how_many_seconds": _median_seconds(
            lambda: forecast_how_many(sample, START, end, rng=np.random.default_rng(2), trials=args.trials), args.repeat
        ),
        "when_seconds": _median_seconds(
            lambda: forecast_when(sample, items, START, rng=np.random.default_rng(3), trials=args.trials), args.repeat
        ),
        "cone_seconds": _median_seconds(
            lambda: forecast_cone(
                sample,
                today=START,
                delivered=0,
                scope=10 * items,
                remaining=10 * items,
                rng=np.random.default_rng(5),
                trials=args.trials,
                horizon_days=args.days,
            ),
            args.repeat,
        ),
        "backtest_seconds": _median_seconds(
            lambda: hindcast(history, (14, 28, 56), rng=np.random.default_rng(4)), max(1, args.repeat // 2)
        ),
        "trials": args.trials,
        "days": args.days,
        "years": args.years,
    }
    if args.json:
        print(json.dumps(result))
        return
    print(f"how many: {args.trials:,} trials x {args.days} days   {1000 * result['how_many_seconds']:8.1f} ms")
    print(f"when:     {args.trials:,} trials, {items} items         {1000 * result['when_seconds']:8.1f} ms")
    print(f"cone:     {args.trials:,} trials x {args.days} days   {1000 * result['cone_seconds']:8.1f} ms")
    print(f"back-test: {args.years} years, horizons 14/28/56    {result['backtest_seconds']:8.2f} s")


if __name__ == "__main__":
    main()
