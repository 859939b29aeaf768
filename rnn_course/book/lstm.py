"""Chapter 4, LSTM: the gates and the two states of real runs, and a widget to set the gates.

Notation as in the book: ``f_t``, ``i_t``, ``o_t`` the gates, ``C̃_t`` the candidate
memory, ``C_t`` the cell state, ``h_t`` the hidden state.

- :func:`lstm_states_of` runs one sequence cell by cell and keeps every gate;
  :func:`plot_lstm_run` draws the inputs, then ``C_t``, ``h_t`` and the gates of a few
  units (4.2, the cell state and the hidden state).
- :func:`gate_trajectory` is one unit driven by gate values held fixed over a few steps;
  :func:`plot_gate_settings` draws several such settings side by side, the static
  counterpart of the widget :func:`gate_explorer` (4.1, the gates).

Import from here (``from rnn_course.book.lstm import plot_lstm_run``).
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .._validate import integer, real
from ..layers.lstm import lstm_cell_forward
from .plotting import HIDDEN, PictureWidget, one_sequence
from .plotting import STATE as CELL_STATE

_GATES = {"f": ("#2e7d32", "-", "$f_t$"), "i": ("#8e44ad", "--", "$i_t$"),
          "o": ("#c0392b", ":", "$o_t$")}
_KEYS = ("f", "i", "o", "c_tilde", "c", "h")


# --------------------------------------------------------------------------------------
# a real run: every gate and both states of one sequence


def lstm_states_of(X, params, h0=None, c0=None) -> dict[str, np.ndarray]:
    """Run the LSTM over one sequence ``X`` (T, D), one cell at a time.

    Returns a dict of (T, H) arrays: ``f``, ``i``, ``o`` (the gates), ``c_tilde``,
    ``c`` (the cell states ``C_1 .. C_T``) and ``h`` (the hidden states ``h_1 .. h_T``).
    ``h0`` and ``c0`` (H,) default to zeros. Raises ``ValueError`` naming ``X`` when it
    is not one sequence.
    """
    X, H = one_sequence(X, params, "W_f", "the LSTM parameters W_f, U_f, b_f, ...")
    h = np.zeros(H) if h0 is None else h0
    c = np.zeros(H) if c0 is None else c0
    run = {k: [] for k in _KEYS}
    for x_t in X:
        h, c, cache = lstm_cell_forward(x_t, h, c, params)
        for k, name in zip(_KEYS, ("f_t", "i_t", "o_t", "c_tilde", "c_t", "h_t")):
            run[k].append(cache[name])
    return {k: np.array(v) for k, v in run.items()}


def plot_lstm_run(X, run, units, *, marks=(), input_names=None) -> Figure:
    """The inputs of one sequence, then ``C_t``, ``h_t`` and the gates of a few units.

    Parameters
    ----------
    X : (T, D) the sequence (drawn in the top panel, one line per input feature).
    run : the dict returned by :func:`lstm_states_of` for ``X``.
    units : 1 to 4 distinct unit indices (0-based) to draw, one column each.
    marks : steps (1-based) to highlight with a grey band in every panel.
    input_names : optional D names for the legend of the input panel.

    Returns
    -------
    A ``Figure`` with ``1 + 3 * len(units)`` axes: the inputs across the top, then per
    unit a column with ``C_t``, ``h_t`` and the three gates. Lines carry gids such as
    ``"c-3"``, ``"h-3"``, ``"f-3"`` (state or gate, then the unit).
    """
    X, units = _run_arguments(X, run, units, input_names)
    T, D = X.shape
    steps = np.arange(1, T + 1)

    n = len(units)
    fig = plt.figure(figsize=(3.4 * n + 1.4, 8.2))
    grid = fig.add_gridspec(4, n, height_ratios=(0.8, 1.0, 1.0, 1.0), hspace=0.45,
                            wspace=0.3)
    top = fig.add_subplot(grid[0, :])
    for d in range(D):
        name = input_names[d] if input_names is not None else f"$x_t[{d}]$"
        top.step(steps, X[:, d], where="mid", label=name)
    top.set_title("inputs", fontsize=11, loc="left")
    # legends sit outside the panels, so that they never hide a curve
    top.legend(fontsize=8, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=D,
               frameon=False, borderaxespad=0.2)
    axes = [top]
    for j, u in enumerate(units):
        axes += _unit_column(fig, [grid[r, j] for r in (1, 2, 3)], steps, run, u)
    handles, labels = axes[-1].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=9, ncol=3, loc="lower center",
               bbox_to_anchor=(0.5, 0.0), frameon=False, title="gates", title_fontsize=9)
    fig.subplots_adjust(bottom=0.13, top=0.95)
    for ax in axes:
        for s in marks:
            ax.axvspan(s - 0.5, s + 0.5, color="#cccccc", alpha=0.6, linewidth=0)
        ax.set_xlim(0.5, T + 0.5)
        ax.grid(True, alpha=0.3)
    return fig


def _run_arguments(X, run, units, input_names):
    """``X`` as a float (T, D) array and ``units`` as a list, after checking every argument."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X has shape {X.shape}: expected one sequence (T, D)")
    T, D = X.shape
    if not isinstance(run, dict) or any(k not in run for k in _KEYS):
        raise TypeError("run must be the dict returned by lstm_states_of")
    if run["c"].shape[0] != T:
        raise ValueError(f"run has {run['c'].shape[0]} steps but X has T={T}")
    H = run["c"].shape[1]
    try:
        units = list(units)
    except TypeError:
        raise TypeError(f"units must be a list of unit indices, got {units!r}") from None
    if not 1 <= len(units) <= 4 or len(set(units)) != len(units):
        raise ValueError(f"units must be 1 to 4 distinct unit indices, got {units!r}")
    for u in units:
        integer("units", u, low=0, high=H - 1)
    if input_names is not None and len(input_names) != D:
        raise ValueError(f"input_names has {len(input_names)} entries but X has D={D}")
    return X, units


def _unit_column(fig, cells, steps, run, u):
    """One unit's column: its cell state, its hidden state, its three gates (top to bottom)."""
    rows = [fig.add_subplot(cell) for cell in cells]
    (line,) = rows[0].plot(steps, run["c"][:, u], color=CELL_STATE, marker="o", markersize=3)
    line.set_gid(f"c-{u}")
    rows[0].set_title(f"unit {u}: cell state $C_t$", fontsize=10)
    (line,) = rows[1].plot(steps, run["h"][:, u], color=HIDDEN, marker="o",
                           markersize=3)
    line.set_gid(f"h-{u}")
    rows[1].set_ylim(-1.05, 1.05)
    rows[1].set_title(f"unit {u}: hidden state $h_t$", fontsize=10)
    for g, (colour, style, label) in _GATES.items():
        (line,) = rows[2].plot(steps, run[g][:, u], color=colour, linestyle=style,
                               label=label)
        line.set_gid(f"{g}-{u}")
    rows[2].set_ylim(-0.05, 1.05)
    rows[2].set_title(f"unit {u}: gates", fontsize=10)
    rows[2].set_xlabel("step t")
    return rows


# --------------------------------------------------------------------------------------
# one unit, gates held fixed: the static counterpart of the gate explorer widget


def gate_trajectory(f, i, o, c_tilde, *, steps=6, c0=1.0):
    """One LSTM unit over ``steps`` steps with every gate held at a fixed value.

    ``C_t = f C_{t-1} + i C̃`` and ``h_t = o tanh(C_t)`` for t = 1..steps, from ``C_0 = c0``.
    ``f``, ``i``, ``o`` must lie in [0, 1] (they are sigmoids), ``c_tilde`` in [-1, 1]
    (a tanh), ``steps`` from 1 to 50, ``c0`` in [-5, 5].

    Returns ``(cs, hs)``, two (steps + 1,) arrays starting with ``C_0`` and
    ``h_0 = o tanh(C_0)``.
    """
    f = real("f", f, low=0.0, high=1.0)
    i = real("i", i, low=0.0, high=1.0)
    o = real("o", o, low=0.0, high=1.0)
    c_tilde = real("c_tilde", c_tilde, low=-1.0, high=1.0)
    steps = integer("steps", steps, low=1, high=50)
    c0 = real("c0", c0, low=-5.0, high=5.0)
    cs = np.empty(steps + 1)
    cs[0] = c0
    for t in range(1, steps + 1):
        cs[t] = f * cs[t - 1] + i * c_tilde
    return cs, o * np.tanh(cs)


def draw_gate_trajectory(ax, cs, hs, *, title: str = "", ylim=(-2.2, 2.2)) -> None:
    """``C_t`` and ``h_t`` of :func:`gate_trajectory` on one axes, t = 0..steps."""
    t = np.arange(len(cs))
    (line,) = ax.plot(t, cs, color=CELL_STATE, marker="o", markersize=4, label="cell $C_t$")
    line.set_gid("c")
    (line,) = ax.plot(t, hs, color=HIDDEN, marker="s", markersize=4, linestyle="--",
                      label="hidden $h_t$")
    line.set_gid("h")
    ax.axhline(0.0, color="grey", linewidth=0.8)
    ax.set_ylim(*ylim)
    ax.set_xlabel("step t")
    ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.3)


def plot_gate_settings(settings, *, steps=6, c0=1.0) -> Figure:
    """Several fixed gate settings side by side, one panel each.

    Parameters
    ----------
    settings : dict ``{title: (f, i, o, c_tilde)}``, 1 to 6 entries (see
        :func:`gate_trajectory` for the ranges).
    steps, c0 : as in :func:`gate_trajectory`, shared by every panel.

    Returns
    -------
    A ``Figure`` with one axes per setting, each showing ``C_t`` and ``h_t``.
    """
    if not isinstance(settings, dict) or not 1 <= len(settings) <= 6:
        raise ValueError(f"settings must be a dict of 1 to 6 gate settings "
                         f"{{title: (f, i, o, c_tilde)}}, got {settings!r}")
    runs = {}
    for title, gates in settings.items():
        if not isinstance(gates, (tuple, list)) or len(gates) != 4:
            raise ValueError(f"settings[{title!r}] must be (f, i, o, c_tilde), got {gates!r}")
        runs[title] = gate_trajectory(*gates, steps=steps, c0=c0)
    top = 1.1 * max(1.0, *(np.abs(cs).max() for cs, _ in runs.values()))
    n = len(settings)
    fig, axes = plt.subplots(1, n, figsize=(2.7 * n + 0.6, 3.3), sharey=True, squeeze=False)
    for ax, (title, (cs, hs)) in zip(axes[0], runs.items()):
        f, i, o, c_tilde = settings[title]
        draw_gate_trajectory(ax, cs, hs, ylim=(-top, top),
                             title=f"{title}\n$f={f}$, $i={i}$, $o={o}$, "
                                   f"$\\tilde C={c_tilde}$")
    axes[0, 0].legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    return fig


class GateExplorer(PictureWidget):
    """Four sliders (``f``, ``i``, ``o`` and the candidate ``C̃``) above a plot of one
    unit's ``C_t`` and ``h_t`` over a few steps, every gate held at its slider's value.

    Children: one ``HBox`` of the four ``FloatSlider`` s (also the attributes ``f``,
    ``i``, ``o``, ``c_tilde``), ``caption`` (an ``HTML`` line with the last ``C_t`` and
    ``h_t``) and ``image`` (a PNG). ``cs`` and ``hs`` hold the states on display.
    """

    def __init__(self, f=0.9, i=0.5, o=1.0, c_tilde=0.5, *, steps=6, c0=1.0):
        self.steps = integer("steps", steps, low=1, high=50)
        self.c0 = real("c0", c0, low=-5.0, high=5.0)
        layout = widgets.Layout(width="230px")

        def slider(name, value, low):
            value = real(name, value, low=low, high=1.0)
            return widgets.FloatSlider(value=value, min=low, max=1.0, step=0.05,
                                       description=name, continuous_update=True,
                                       readout_format=".2f", layout=layout)

        self.f = slider("f", f, 0.0)
        self.i = slider("i", i, 0.0)
        self.o = slider("o", o, 0.0)
        self.c_tilde = slider("c_tilde", c_tilde, -1.0)
        self.c_tilde.description = "C̃"
        sliders = [self.f, self.i, self.o, self.c_tilde]
        super().__init__([widgets.HBox(sliders)], sliders, figsize=(6.0, 3.0))

    def draw(self, fig: Figure) -> str:
        f, i, o, c_tilde = (float(s.value) for s in (self.f, self.i, self.o, self.c_tilde))
        self.cs, self.hs = gate_trajectory(f, i, o, c_tilde, steps=self.steps, c0=self.c0)
        top = max(2.2, np.abs(self.cs).max() * 1.1)
        ax = fig.add_subplot()
        draw_gate_trajectory(ax, self.cs, self.hs, title=f"one unit, from $C_0 = {self.c0}$",
                             ylim=(-top, top))
        ax.legend(fontsize=8, loc="lower left")
        fig.subplots_adjust(left=0.1, right=0.98, bottom=0.17, top=0.88)
        T = self.steps
        return (
            f"C<sub>t</sub> = {f:.2f}·C<sub>t−1</sub> + {i:.2f}·{c_tilde:.2f} "
            f"&nbsp;·&nbsp; C<sub>{T}</sub> = {self.cs[-1]:.3f} &nbsp;·&nbsp; "
            f"h<sub>{T}</sub> = {self.hs[-1]:.3f}"
        )


def gate_explorer(f=0.9, i=0.5, o=1.0, c_tilde=0.5, *, steps=6, c0=1.0) -> GateExplorer:
    """A widget to set the gates by hand and watch ``C_t`` and ``h_t`` respond.

    Parameters
    ----------
    f, i, o : starting values of the forget, input and output gates, in [0, 1].
    c_tilde : starting value of the candidate memory, in [-1, 1].
    steps : number of steps drawn, 1 to 50.
    c0 : the cell state ``C_0`` before the first step, in [-5, 5].

    Returns
    -------
    GateExplorer
        An ``ipywidgets.VBox``; display it in Jupyter. The static counterpart for the
        HTML book is :func:`plot_gate_settings`.
    """
    return GateExplorer(f, i, o, c_tilde, steps=steps, c0=c0)
