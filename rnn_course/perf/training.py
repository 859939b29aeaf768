"""Training time: the character-level language model of the names task, course against PyTorch.

:func:`race` trains the same model twice from the same parameters on the same batches, a
recurrent layer and an output layer with Adam and gradient-norm clipping, once with the
course's layers, loss and optimiser (:func:`~rnn_course.fit`) and once with ``torch.nn``
and ``torch.optim.Adam``, and measures the wall-clock time each takes to bring the
held-out loss (nats per character) to ``target``, evaluations included. The batches are
encoded before either clock starts, so both time the model and the optimiser only.

PyTorch's layers have two biases per gate where ours have one: the second one is frozen
at zero, so both sides train exactly the same function and take the same steps.

Book: the Performance page (training time); chapter 5 and the applications chapter
train this model.
"""

from __future__ import annotations

import time

import numpy as np

from ..layers.pytorch import gru_params_to_torch, lstm_params_to_torch
from ..tasks.language.charlm import build_vocab, encode_words, load_first_names, split_words
from ..training.losses import softmax_cross_entropy
from ..training.loop import fit
from ..training.models import init_model, model_backward, model_forward
from ..training.optim import Adam


def _batches(train, vocab, batch_size, count, dtype, seed):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        X, targets, mask = encode_words([train[i] for i in rng.integers(0, len(train), batch_size)], vocab)
        out.append((X.astype(dtype), targets, mask))
    return out


def _ours(kind, params, batches, test, lr, max_norm, target, eval_every, max_steps):
    X_test, y_test, m_test = test
    count = int(m_test.sum())

    def loss_and_grads(p, batch):
        logits, cache = model_forward(kind, batch[0], p)
        loss, dlogits = softmax_cross_entropy(logits, batch[1], mask=batch[2], reduction="mean")
        return loss, model_backward(kind, dlogits, cache)

    def held_out():
        logits, _ = model_forward(kind, X_test, params)
        return softmax_cross_entropy(logits, y_test, mask=m_test)[0] / count

    opt, steps, start = Adam(lr=lr), 0, time.perf_counter()
    while steps < max_steps:
        chunk = [batches[(steps + i) % len(batches)] for i in range(eval_every)]
        fit(params, loss_and_grads, chunk, opt, eval_every, max_norm=max_norm)
        steps += eval_every
        loss = held_out()
        if loss <= target:
            break
    return {"seconds": time.perf_counter() - start, "steps": steps, "held_out": float(loss)}


def _torch(kind, params, batches, test, lr, max_norm, target, eval_every, max_steps):
    import torch

    V, H = params["W_y"].shape
    dtype = getattr(torch, params["W_y"].dtype.name)
    if kind == "lstm":
        layer, state = torch.nn.LSTM(V, H, dtype=dtype), lstm_params_to_torch(params)
    elif kind == "gru":
        layer, state = torch.nn.GRU(V, H, dtype=dtype), gru_params_to_torch(params)
    else:
        layer = torch.nn.RNN(V, H, dtype=dtype)
        state = {"weight_ih_l0": params["W_x"], "weight_hh_l0": params["W_h"],
                 "bias_ih_l0": params["b_h"], "bias_hh_l0": np.zeros_like(params["b_h"])}
    layer.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()})
    layer.bias_hh_l0.requires_grad_(False)  # our one bias per gate is their bias_ih
    head = torch.nn.Linear(H, V, dtype=dtype)
    with torch.no_grad():
        head.weight.copy_(torch.from_numpy(params["W_y"]))
        head.bias.copy_(torch.from_numpy(params["b_y"]))
    trained = [p for p in (*layer.parameters(), *head.parameters()) if p.requires_grad]
    opt = torch.optim.Adam(trained, lr=lr)
    data = [(torch.from_numpy(X), torch.from_numpy(np.where(m, y, -1)).reshape(-1)) for X, y, m in batches]
    X_test = torch.from_numpy(test[0])
    y_test = torch.from_numpy(np.where(test[2], test[1], -1)).reshape(-1)

    def loss_of(X, y):
        out, _ = layer(X)
        return torch.nn.functional.cross_entropy(head(out).reshape(-1, V), y, ignore_index=-1)

    steps, start = 0, time.perf_counter()
    while steps < max_steps:
        for i in range(eval_every):
            X, y = data[(steps + i) % len(data)]
            opt.zero_grad(set_to_none=True)
            loss_of(X, y).backward()
            torch.nn.utils.clip_grad_norm_(trained, max_norm)
            opt.step()
        steps += eval_every
        with torch.no_grad():
            loss = float(loss_of(X_test, y_test))
        if loss <= target:
            break
    return {"seconds": time.perf_counter() - start, "steps": steps, "held_out": loss}


def race(kind="lstm", *, target=2.2, hidden_size=64, batch_size=32, lr=1e-2, max_norm=1.0,
         eval_every=25, max_steps=3000, dtype="float32", seed=0, torch_too=True) -> dict:
    """Seconds (and steps) each side takes to reach a held-out loss of ``target`` nats.

    The names are split 90/10 (``split_words(..., rng=0)``); the held-out tenth is one
    batch, evaluated every ``eval_every`` steps. A side that has not reached ``target``
    after ``max_steps`` stops there (its ``held_out`` says how far it got).
    """
    words = load_first_names()
    vocab = build_vocab(words)
    train, held = split_words(words, 0.1, rng=0)
    X, y, m = encode_words(held, vocab)
    test = (X.astype(dtype), y, m)
    batches = _batches(train, vocab, batch_size, 200, dtype, seed)
    first = init_model(kind, len(vocab), hidden_size, len(vocab), rng=seed, dtype=dtype)
    args = (batches, test, lr, max_norm, target, eval_every, max_steps)
    result = {"kind": kind, "dtype": dtype, "target": target, "hidden_size": hidden_size,
              "batch_size": batch_size,
              "ours": _ours(kind, {k: v.copy() for k, v in first.items()}, *args)}
    if torch_too:
        result["torch"] = _torch(kind, {k: v.copy() for k, v in first.items()}, *args)
        result["ratio"] = result["ours"]["seconds"] / result["torch"]["seconds"]
    return result
