"""rnn-course: NumPy reference implementations of recurrent networks.

The public API (see the notation page of the book) is importable from here.
"""

from .adding import BASELINE_MSE, adding_problem_batch, train_adding
from .activations import sigmoid, softmax
from .gradcheck import check_gradients, numerical_gradient, rel_error
from .gru import (
    count_params,
    gru_backward,
    gru_cell_backward,
    gru_cell_forward,
    gru_forward,
    gru_param_count,
    gru_params_from_torch,
    gru_params_to_torch,
    init_gru_params,
)
from .init import init_lstm_params, init_rnn_params
from .lstm import (
    lstm_backward,
    lstm_cell_backward,
    lstm_cell_forward,
    lstm_forward,
    lstm_params_from_torch,
    lstm_params_to_torch,
)
from .losses import mse_loss, softmax_cross_entropy
from .optim import SGD, Adam, clip_grad_norm, clip_grad_value
from .models import init_model, model_backward, model_forward
from .output import output_backward, output_forward, output_probs
from .rnn import rnn_backward, rnn_cell_backward, rnn_cell_forward, rnn_forward
from .tbptt import rnn_backward_truncated, tbptt_chunks

__all__ = [
    "BASELINE_MSE",
    "adding_problem_batch",
    "init_model",
    "model_backward",
    "model_forward",
    "train_adding",
    "Adam",
    "SGD",
    "clip_grad_norm",
    "clip_grad_value",
    "mse_loss",
    "output_backward",
    "output_forward",
    "output_probs",
    "rnn_backward_truncated",
    "softmax_cross_entropy",
    "tbptt_chunks",
    "check_gradients",
    "count_params",
    "gru_backward",
    "gru_cell_backward",
    "gru_cell_forward",
    "gru_forward",
    "gru_param_count",
    "gru_params_from_torch",
    "gru_params_to_torch",
    "init_gru_params",
    "init_lstm_params",
    "init_rnn_params",
    "lstm_backward",
    "lstm_cell_backward",
    "lstm_cell_forward",
    "lstm_forward",
    "lstm_params_from_torch",
    "lstm_params_to_torch",
    "numerical_gradient",
    "rel_error",
    "rnn_backward",
    "rnn_cell_backward",
    "rnn_cell_forward",
    "rnn_forward",
    "sigmoid",
    "softmax",
]

__version__ = "0.1.0"
