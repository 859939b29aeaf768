"""The one training loop, rnn_course.fit: it trains, it is reproducible, it clips, it
evaluates at the steps it says, it stops early, and it names bad arguments."""

import numpy as np
import pytest

import rnn_course as rc
from rnn_course.training.loop import FitResult

W_TRUE = np.array([1.5, -2.0, 0.5])


def regression_batch(step, rng):
    """A batch of the noiseless linear regression y = X @ W_TRUE."""
    X = rng.normal(size=(16, 3))
    return X, X @ W_TRUE


def regression_loss(params, batch):
    X, y = batch
    loss, dpred = rc.mse_loss(X @ params["w"], y, reduction="mean")
    return loss, {"w": X.T @ dpred}


def constant_grads(g):
    """A loss whose gradient is always ``g`` (the loss is the step's batch)."""
    return lambda params, batch: (float(batch), {"w": np.array(g, dtype=float)})


def test_losses_fall_on_a_tiny_regression():
    params = {"w": np.zeros(3)}
    result = rc.fit(params, regression_loss, regression_batch, rc.SGD(lr=0.1), 200, rng=0)
    assert isinstance(result, FitResult)
    assert result.params is params
    assert result.losses.shape == result.step_seconds.shape == (200,)
    assert result.losses[-10:].mean() < 1e-4 * result.losses[:10].mean()
    np.testing.assert_allclose(params["w"], W_TRUE, atol=1e-3)
    assert result.seconds >= result.step_seconds.sum() > 0
    assert not result.stopped_early and result.evaluations == [] and result.best_step is None


def test_a_seed_makes_a_run_reproducible():
    runs = []
    for _ in range(2):
        params = {"w": np.zeros(3)}
        runs.append(rc.fit(params, regression_loss, regression_batch, rc.Adam(lr=0.05), 30,
                           max_norm=1.0, rng=7))
    np.testing.assert_array_equal(runs[0].losses, runs[1].losses)
    np.testing.assert_array_equal(runs[0].params["w"], runs[1].params["w"])
    other = rc.fit({"w": np.zeros(3)}, regression_loss, regression_batch, rc.Adam(lr=0.05), 30,
                   max_norm=1.0, rng=8)
    assert not np.array_equal(other.losses, runs[0].losses)


def test_a_list_of_batches_is_read_again_every_epoch():
    seen = []

    def loss_and_grads(params, batch):
        seen.append(batch)
        return 0.0, {"w": np.zeros(1)}

    rc.fit({"w": np.zeros(1)}, loss_and_grads, [0, 1, 2], rc.SGD(lr=0.1), 7)
    assert seen == [0, 1, 2, 0, 1, 2, 0]


def test_a_generator_that_runs_out_and_an_empty_list_are_errors():
    batches = (b for b in [1.0, 2.0])
    with pytest.raises(ValueError, match="batches ran out after 2 steps"):
        rc.fit({"w": np.zeros(2)}, constant_grads([0.0, 0.0]), batches, rc.SGD(lr=0.1), 3)
    with pytest.raises(ValueError, match="batches is empty"):
        rc.fit({"w": np.zeros(2)}, constant_grads([0.0, 0.0]), [], rc.SGD(lr=0.1), 3)


def test_clipping_by_norm_and_by_value_is_applied_before_the_step():
    params = {"w": np.zeros(2)}
    rc.fit(params, constant_grads([3.0, 4.0]), [0.0], rc.SGD(lr=1.0), 1, max_norm=1.0)
    np.testing.assert_allclose(params["w"], [-0.6, -0.8], rtol=1e-5)  # norm 5 -> 1
    params = {"w": np.zeros(2)}
    rc.fit(params, constant_grads([3.0, -0.5]), [0.0], rc.SGD(lr=1.0), 1, clip_value=1.0)
    np.testing.assert_array_equal(params["w"], [-1.0, 0.5])
    params = {"w": np.zeros(2)}
    rc.fit(params, constant_grads([3.0, 4.0]), [0.0], rc.SGD(lr=1.0), 1)
    np.testing.assert_array_equal(params["w"], [-3.0, -4.0])  # no clipping asked for


def test_evaluate_is_called_every_eval_every_steps_and_after_the_last():
    calls = []

    def evaluate(params):
        calls.append(params["w"].copy())
        return float(len(calls))

    params = {"w": np.zeros(1)}
    result = rc.fit(params, constant_grads([-1.0]), [0.0], rc.SGD(lr=1.0), 10,
                    evaluate=evaluate, eval_every=3)
    assert [step for step, _ in result.evaluations] == [3, 6, 9, 10]
    assert [w[0] for w in calls] == [3.0, 6.0, 9.0, 10.0]  # after that many updates
    only_last = rc.fit({"w": np.zeros(1)}, constant_grads([0.0]), [0.0], rc.SGD(lr=1.0), 4,
                       evaluate=lambda p: 0.0)
    assert only_last.evaluations == [(4, 0.0)]


def scores(values):
    """An evaluate that returns ``values`` one after the other."""
    it = iter(values)
    return lambda params: next(it)


def test_early_stopping_waits_patience_evaluations_without_improvement():
    values = [5.0, 4.0, 4.5, 3.9995, 4.2, 1.0, 1.0]
    result = rc.fit({"w": np.zeros(1)}, constant_grads([0.0]), [0.0], rc.SGD(lr=0.1), 70,
                    evaluate=scores(values), eval_every=10, patience=3, min_delta=1e-3)
    # 4.0 is the best; 4.5, 3.9995 (not better by more than min_delta) and 4.2 do not beat it
    assert result.stopped_early
    assert len(result.losses) == 50 and [s for s, _ in result.evaluations] == [10, 20, 30, 40, 50]
    assert (result.best_step, result.best_value) == (20, 4.0)

    patient = rc.fit({"w": np.zeros(1)}, constant_grads([0.0]), [0.0], rc.SGD(lr=0.1), 70,
                     evaluate=scores(values), eval_every=10, patience=4)
    assert not patient.stopped_early and len(patient.losses) == 70
    assert patient.best_value == 1.0


def test_mode_max_and_restore_best():
    params = {"w": np.zeros(1)}
    result = rc.fit(params, constant_grads([-1.0]), [0.0], rc.SGD(lr=1.0), 10,
                    evaluate=scores([0.5, 0.9, 0.7, 0.6, 2.0]), eval_every=2, patience=2,
                    mode="max", restore_best=True)
    assert result.stopped_early and len(result.losses) == 8
    assert (result.best_step, result.best_value) == (4, 0.9)
    np.testing.assert_array_equal(params["w"], [4.0])  # the parameters after step 4, not 8


def test_the_progress_bar_is_off_unless_asked_for(capsys):
    rc.fit({"w": np.zeros(3)}, regression_loss, regression_batch, rc.SGD(lr=0.1), 5, rng=0)
    assert capsys.readouterr().err == ""
    rc.fit({"w": np.zeros(3)}, regression_loss, regression_batch, rc.SGD(lr=0.1), 5, rng=0,
           progress=True, desc="regression", evaluate=lambda p: 1.0, eval_every=2)
    err = capsys.readouterr().err
    assert "regression" in err and "5/5" in err and "loss=" in err and "eval=" in err


def ok_args(**change):
    args = dict(params={"w": np.zeros(1)}, loss_and_grads=constant_grads([0.0]),
                batches=[0.0], optimizer=rc.SGD(lr=0.1), steps=3)
    args.update(change)
    return args


@pytest.mark.parametrize("change, name", [
    ({"params": [0.0]}, "params"),
    ({"loss_and_grads": 3}, "loss_and_grads"),
    ({"loss_and_grads": lambda p, b: 1.0}, "loss_and_grads"),
    ({"batches": 5}, "batches"),
    ({"optimizer": "adam"}, "optimizer"),
    ({"steps": 0}, "steps"),
    ({"steps": 2.0}, "steps"),
    ({"max_norm": -1.0}, "max_norm"),
    ({"clip_value": 0}, "clip_value"),
    ({"max_norm": 1.0, "clip_value": 1.0}, "max_norm and clip_value"),
    ({"evaluate": 1.0}, "evaluate"),
    ({"eval_every": 2}, "eval_every"),
    ({"patience": 2}, "patience"),
    ({"restore_best": True}, "restore_best"),
    ({"evaluate": lambda p: 0.0, "eval_every": 0}, "eval_every"),
    ({"evaluate": lambda p: 0.0, "patience": -1}, "patience"),
    ({"evaluate": lambda p: 0.0, "min_delta": -0.1}, "min_delta"),
    ({"evaluate": lambda p: 0.0, "mode": "up"}, "mode"),
    ({"evaluate": lambda p: {"loss": 0.0}}, "evaluate"),
    ({"progress": "yes"}, "progress"),
    ({"rng": "seed"}, "rng"),
])
def test_bad_arguments_are_value_errors_naming_the_argument(change, name):
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        rc.fit(**ok_args(**change))


def test_the_task_wrappers_train_through_fit(monkeypatch):
    """train_adding, train_charlm and train_delayed_copy each run fit once."""
    from rnn_course.tasks.synthetic import adding, delayed_copy
    from rnn_course.tasks.language import charlm

    calls = []

    def recording_fit(*args, **kwargs):
        calls.append(kwargs)
        return rc.fit(*args, **kwargs)

    for module in (adding, charlm, delayed_copy):
        monkeypatch.setattr(module, "fit", recording_fit)
    adding.train_adding("gru", 6, hidden_size=4, steps=3, eval_size=4)
    charlm.train_charlm("rnn", ["ann", "bob"], charlm.build_vocab(["ann", "bob"]),
                        hidden_size=4, steps=3)
    delayed_copy.train_delayed_copy(rc.init_rnn_params(3, 4, 3, rng=0), delay=1, steps=3, T=5, B=2)
    assert len(calls) == 3 and all(c["max_norm"] > 0 for c in calls)
