"""Real time series that ship inside installed packages (nothing is downloaded).

- :func:`load_seattle_weather`: daily weather in Seattle, 2012-2015 (NOAA), from
  ``vega_datasets.local_data`` (``pip install vega_datasets==0.9.0``);
- :func:`load_stock_prices`: monthly closing prices of five stocks, 2000-2010, same package;
- :func:`load_sunspots`: the yearly sunspot number, 1700-2008, from
  ``statsmodels.api.datasets.sunspots`` (``pip install statsmodels==0.15.0``).

Only ``vega_datasets.local_data`` is used: its other functions download. statsmodels'
``get_rdataset`` downloads too and is never used.

Book: chapter 6, time-series forecasting.
"""

from __future__ import annotations

import numpy as np

from ..._validate import one_of

WEATHER_COLUMNS = ("temp_max", "temp_min", "precipitation", "wind")


def _vega_local():
    try:
        from vega_datasets import local_data
    except ModuleNotFoundError as err:
        raise ModuleNotFoundError(
            "this loader reads data shipped with the 'vega_datasets' package: "
            "pip install vega_datasets==0.9.0"
        ) from err
    return local_data


def load_seattle_weather(column="temp_max") -> tuple[np.ndarray, np.ndarray]:
    """``(dates, values)``: one column of Seattle's daily weather, 1,461 days from 2012-01-01.

    ``dates`` is ``datetime64[D]``; ``column`` is one of ``"temp_max"``, ``"temp_min"``
    (degrees Celsius), ``"precipitation"`` (mm) or ``"wind"`` (m/s).
    """
    column = one_of("column", column, WEATHER_COLUMNS)
    frame = _vega_local().seattle_weather()
    return frame["date"].to_numpy().astype("datetime64[D]"), frame[column].to_numpy(dtype=float)


def load_stock_prices() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{symbol: (dates, prices)}`` for AAPL, AMZN, GOOG, IBM and MSFT: monthly prices in
    US dollars, January 2000 (GOOG: August 2004) to March 2010, in date order."""
    frame = _vega_local().stocks()
    out = {}
    for symbol, group in frame.groupby("symbol"):
        group = group.sort_values("date")
        out[str(symbol)] = (group["date"].to_numpy().astype("datetime64[D]"),
                            group["price"].to_numpy(dtype=float))
    return out


def load_sunspots() -> tuple[np.ndarray, np.ndarray]:
    """``(years, values)``: the yearly mean sunspot number, 1700 to 2008 (309 years)."""
    try:
        from statsmodels.datasets import sunspots
    except ModuleNotFoundError as err:
        raise ModuleNotFoundError(
            "load_sunspots reads data shipped with the 'statsmodels' package: "
            "pip install statsmodels==0.15.0"
        ) from err
    frame = sunspots.load_pandas().data
    return frame["YEAR"].to_numpy(dtype=int), frame["SUNACTIVITY"].to_numpy(dtype=float)
