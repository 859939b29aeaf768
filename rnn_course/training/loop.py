"""The training loop: one :func:`~rnn_course.fit` for every task of the course.

::

    result = fit(params, loss_and_grads, batches, Adam(lr=1e-2), steps=500, max_norm=1.0,
                 evaluate=validation_loss, eval_every=50, patience=3, rng=0)
    result.losses        # (steps run,) the training loss of every step
    result.evaluations   # [(step, value), ...], one pair per evaluation

What a task supplies:

- ``loss_and_grads(params, batch) -> (loss, grads)``: the loss of one batch (a number)
  and the gradient of every parameter (a dict keyed like ``params``). Many-to-many,
  many-to-one, sequence-to-sequence: the loss is the task's business, ``fit`` only needs
  the pair.
- ``batches``, where the batches come from, in one of two forms:

  - a callable ``batches(step, rng) -> batch``, called with the step number (0, 1, ...)
    and fit's random generator: fresh random batches (the adding problem, names drawn at
    random), reproducible from ``rng``;
  - an iterable of batches (a list of minibatches, a data set object): read in order and
    started again each time it runs out (an epoch), as long as iterating it again starts a
    new pass (a list does; an object whose ``__iter__`` reshuffles does). A generator can
    be read once only: running out of it before ``steps`` is an error.

- ``optimizer``: anything with ``step(params, grads)`` that updates ``params`` in place
  (:class:`~rnn_course.SGD`, :class:`~rnn_course.Adam`).

Each step draws a batch, computes the loss and the gradients, clips them (by global norm
with ``max_norm``, or by value with ``clip_value``) and takes one optimiser step. With
``evaluate``, ``evaluate(params)`` returns a number (lower is better, or higher with
``mode="max"``) after every ``eval_every`` steps and after the last one; with
``patience``, training stops early after that many evaluations in a row that do not beat
the best by more than ``min_delta``, and ``restore_best`` puts the best parameters back.

``progress=True`` shows a progress bar from ``tqdm.auto`` (text in a terminal, a widget
in Jupyter) with a running mean of the loss and the last evaluation. It is off by
default: the bar writes to stderr, which the book's build turns into an error, so the
book's pages never ask for one.

``fit`` itself draws no random numbers: given ``rng``, a run is reproducible.

Book: chapter 3 (training on the adding problem), chapter 5 (LSTM versus GRU); the tasks'
``train_*`` functions (:mod:`rnn_course.tasks`) are thin wrappers over it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from .._validate import ArgumentTypeError, as_rng, one_of, positive_int, real, require_dict
from .clipping import clip_grad_norm, clip_grad_value


@dataclass
class FitResult:
    """What :func:`~rnn_course.fit` returns.

    - ``params``: the parameter dict that was trained (the same dict and arrays, updated
      in place);
    - ``losses``: (N,) the training loss of each of the N steps run, before its update;
    - ``step_seconds``: (N,) wall-clock seconds of each step's loss, gradients, clipping
      and update (drawing the batch and evaluating are not included);
    - ``evaluations``: a list of ``(step, value)``, ``value`` being ``evaluate(params)``
      after ``step`` steps;
    - ``seconds``: wall-clock seconds of the whole run, batches and evaluations included;
    - ``stopped_early``: True when ``patience`` ran out before ``steps``;
    - ``best_step``, ``best_value``: the best evaluation (None without ``evaluate``).
    """

    params: dict
    losses: np.ndarray
    step_seconds: np.ndarray
    evaluations: list[tuple[int, float]] = field(default_factory=list)
    seconds: float = 0.0
    stopped_early: bool = False
    best_step: int | None = None
    best_value: float | None = None


def _batch_stream(batches, gen: np.random.Generator) -> Iterator:
    """Batches, one per step, from a ``batches(step, rng)`` callable or an iterable."""
    if callable(batches):
        step = 0
        while True:
            yield batches(step, gen)
            step += 1
    if not isinstance(batches, Iterable) or isinstance(batches, (str, bytes)):
        raise ArgumentTypeError(
            f"batches must be a function batch(step, rng) or an iterable of batches, "
            f"got a {type(batches).__name__}"
        )
    one_pass = iter(batches)
    restartable = one_pass is not batches  # an iterator (a generator) is its own iterator
    served = 0
    while True:
        before = served
        for batch in one_pass:
            served += 1
            yield batch
        if served == before:
            raise ValueError("batches is empty: expected at least one batch")
        if not restartable:
            raise ValueError(
                f"batches ran out after {served} steps: pass a list (read again every epoch), "
                f"a function batch(step, rng), or fewer steps"
            )
        one_pass = iter(batches)


def _loss_and_grads(loss_and_grads: Callable, params, batch) -> tuple[float, dict]:
    result = loss_and_grads(params, batch)
    if not isinstance(result, tuple) or len(result) != 2 or not hasattr(result[1], "keys"):
        raise ValueError(
            f"loss_and_grads must return a pair (loss, grads) with grads a dict, "
            f"got a {type(result).__name__}"
        )
    loss = np.asarray(result[0], dtype=np.float64)
    if loss.size != 1:
        raise ValueError(f"loss_and_grads returned a loss of shape {loss.shape}: expected one number")
    return float(loss.reshape(())), result[1]


def _evaluation(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ArgumentTypeError(f"evaluate must return a number, got a {type(value).__name__}")
    return float(value)


class _Progress:
    """A tqdm.auto bar, or nothing at all."""

    def __init__(self, enabled: bool, total: int, desc: str | None):
        self.bar = None
        if enabled:
            from tqdm.auto import tqdm  # imported only when asked for

            self.bar = tqdm(total=total, desc=desc, unit="step")
        self.mean_loss = math.nan

    def update(self, loss: float, evaluation: float | None) -> None:
        if self.bar is None:
            return
        self.mean_loss = loss if math.isnan(self.mean_loss) else 0.9 * self.mean_loss + 0.1 * loss
        postfix = {"loss": f"{self.mean_loss:.4g}"}
        if evaluation is not None:
            postfix["eval"] = f"{evaluation:.4g}"
        self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def fit(params, loss_and_grads, batches, optimizer, steps, *, max_norm=None, clip_value=None,
        evaluate=None, eval_every=None, patience=None, min_delta=0.0, mode="min",
        restore_best=False, rng=None, progress=False, desc=None) -> FitResult:
    """Train ``params`` in place: ``steps`` optimiser steps on the batches given.

    Parameters
    ----------
    params : dict of parameter arrays, updated in place by ``optimizer``.
    loss_and_grads : ``(params, batch) -> (loss, grads)``.
    batches : a function ``batch(step, rng)`` or an iterable of batches (see the module
        docstring).
    optimizer : an object with ``step(params, grads)``, e.g. ``Adam(lr=1e-2)``.
    steps : positive int, the number of steps (fewer if training stops early).
    max_norm : clip the gradients to this global norm (see :func:`~rnn_course.clip_grad_norm`).
    clip_value : or clip every entry into ``[-clip_value, clip_value]``; not both.
    evaluate : optional ``(params) -> number``, e.g. the loss on held-out data.
    eval_every : evaluate after every this many steps (and after the last step);
        without it, only after the last step.
    patience : stop after this many evaluations in a row without improvement.
    min_delta : an improvement must beat the best value by more than this (>= 0).
    mode : ``"min"`` (lower evaluations are better) or ``"max"``.
    restore_best : at the end, put back the parameters of the best evaluation.
    rng : None, an int seed or a ``numpy.random.Generator``, handed to ``batches``.
    progress : show a progress bar (``tqdm.auto``); off by default.
    desc : the progress bar's label.

    Returns
    -------
    FitResult with ``params``, ``losses``, ``step_seconds``, ``evaluations``,
    ``seconds``, ``stopped_early``, ``best_step`` and ``best_value``.
    """
    _check_functions(params, loss_and_grads, optimizer, evaluate)
    steps = positive_int("steps", steps)
    clip = _clipping(max_norm, clip_value)
    for name, value in (("eval_every", eval_every), ("patience", patience), ("restore_best", restore_best)):
        if evaluate is None and value not in (None, False):
            raise ValueError(f"{name} needs evaluate: pass evaluate=(params) -> number")
    every = steps if eval_every is None else positive_int("eval_every", eval_every)
    best = _Best(mode, min_delta, patience, restore_best)
    if not isinstance(progress, bool):
        raise ArgumentTypeError(f"progress must be True or False, got {progress!r}")

    stream = _batch_stream(batches, as_rng(rng))
    losses, step_seconds, evaluations = [], [], []
    stopped_early, last_eval = False, None
    bar = _Progress(progress, steps, desc)
    start = time.perf_counter()
    try:
        for step in range(1, steps + 1):
            batch = next(stream)
            tick = time.perf_counter()
            loss, grads = _loss_and_grads(loss_and_grads, params, batch)
            optimizer.step(params, clip(grads))
            step_seconds.append(time.perf_counter() - tick)
            losses.append(loss)
            if evaluate is not None and (step % every == 0 or step == steps):
                last_eval = _evaluation(evaluate(params))
                evaluations.append((step, last_eval))
                best.record(step, last_eval, params)
            bar.update(loss, last_eval)
            if best.out_of_patience():
                stopped_early = step < steps
                break
    finally:
        bar.close()
    best.restore(params)
    return FitResult(
        params=params, losses=np.array(losses), step_seconds=np.array(step_seconds),
        evaluations=evaluations, seconds=time.perf_counter() - start,
        stopped_early=stopped_early, best_step=best.step, best_value=best.value,
    )


def _check_functions(params, loss_and_grads, optimizer, evaluate) -> None:
    require_dict("params", params)
    if not callable(loss_and_grads):
        raise ArgumentTypeError(
            f"loss_and_grads must be a function (params, batch) -> (loss, grads), "
            f"got a {type(loss_and_grads).__name__}"
        )
    if not callable(getattr(optimizer, "step", None)):
        raise ArgumentTypeError(
            f"optimizer must have a method step(params, grads), such as SGD or Adam, "
            f"got a {type(optimizer).__name__}"
        )
    if evaluate is not None and not callable(evaluate):
        raise ArgumentTypeError(f"evaluate must be a function (params) -> number, got a {type(evaluate).__name__}")


def _clipping(max_norm, clip_value) -> Callable[[dict], dict]:
    """The gradients clipped as asked: to a global norm, entry by entry, or not at all."""
    if max_norm is not None and clip_value is not None:
        raise ValueError("max_norm and clip_value are both given: clip by norm or by value, not both")
    if max_norm is not None:
        max_norm = real("max_norm", max_norm, low=0.0, low_open=True)
        return lambda grads: clip_grad_norm(grads, max_norm)[0]
    if clip_value is not None:
        clip_value = real("clip_value", clip_value, low=0.0, low_open=True)
        return lambda grads: clip_grad_value(grads, clip_value)
    return lambda grads: grads


class _Best:
    """The best evaluation so far (its step, its value, the parameters then, if kept), and
    how many evaluations in a row have not beaten it by more than ``min_delta``."""

    def __init__(self, mode, min_delta, patience, keep_params: bool):
        self.sign = {"min": 1.0, "max": -1.0}[one_of("mode", mode, ("min", "max"))]
        self.min_delta = real("min_delta", min_delta, low=0.0)
        self.patience = None if patience is None else positive_int("patience", patience)
        self.keep_params = keep_params
        self.step = self.value = self.params = None
        self.waited = 0

    def record(self, step: int, value: float, params: dict) -> None:
        improved = not math.isnan(value) and (
            self.value is None or self.sign * (self.value - value) > self.min_delta)
        if not improved:
            self.waited += 1
            return
        self.step, self.value, self.waited = step, value, 0
        if self.keep_params:
            self.params = {k: np.array(v, copy=True) for k, v in params.items()}

    def out_of_patience(self) -> bool:
        return self.patience is not None and self.waited >= self.patience

    def restore(self, params: dict) -> None:
        """Put the best parameters back, in place: the caller's arrays hold them."""
        for k, v in (self.params or {}).items():
            params[k][...] = v
