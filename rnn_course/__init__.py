"""rnn-course: NumPy reference implementations of recurrent networks.

The public API (see the notation page of the book) is importable from here. It lives in
subpackages by role, each importing only the ones below it:

- :mod:`rnn_course.layers`: the equations (RNN, LSTM, GRU, output layer), with their
  initialisers and PyTorch converters;
- :mod:`rnn_course.training`: losses, optimisers, clipping, truncated BPTT, gradient
  checking, gradient norms, the model interface and the training loop :func:`fit`;
- :mod:`rnn_course.tasks`: the tasks and data sets, one module each;
- :mod:`rnn_course.book`: the figures and widgets of the book, one module per chapter;
- :mod:`rnn_course.checks`: the feedback checks the exercises call;
- :mod:`rnn_course.grading`: grading a class with nbgrader, the learner's code in a sandbox
  (stands alone: it imports only the layers and the bottom floor);
- :mod:`rnn_course.perf`: benchmarks of the layers against PyTorch (measured, never asserted);
- :mod:`rnn_course.lab`: the learner's JupyterLab, its configuration and a server extension
  (stands alone: it imports nothing of the course);
- the bottom floor, ``_validate`` (argument checks with clear errors) and ``_arrays``
  (small array helpers), which every part may use.
"""

from .layers.activations import sigmoid, softmax
from .layers.gru import (
    count_params,
    gru_backward,
    gru_cell_backward,
    gru_cell_forward,
    gru_forward,
    gru_param_count,
    init_gru_params,
)
from .layers.lstm import (
    init_lstm_params,
    lstm_backward,
    lstm_cell_backward,
    lstm_cell_forward,
    lstm_forward,
)
from .layers.output import output_backward, output_forward, output_probs
from .layers.pytorch import (
    gru_params_from_torch,
    gru_params_to_torch,
    lstm_params_from_torch,
    lstm_params_to_torch,
    lstm_stack_from_torch,
    lstm_stack_to_torch,
    rnn_stack_from_torch,
    rnn_stack_to_torch,
)
from .layers.rnn import init_rnn_params, rnn_backward, rnn_cell_backward, rnn_cell_forward, rnn_forward
from .layers.unroll import unroll
from .layers.by_steps import (
    gru_backward_by_steps,
    gru_forward_by_steps,
    lstm_backward_by_steps,
    lstm_forward_by_steps,
    rnn_backward_by_steps,
    rnn_forward_by_steps,
)
from .layers.stacked import (
    bidirectional_backward,
    bidirectional_forward,
    init_stack_params,
    stack_backward,
    stack_final_states,
    stack_forward,
)
from .tasks.synthetic.adding import BASELINE_MSE, adding_problem_batch, train_adding
from .tasks.signals.audio import log_spectrogram
from .tasks.signals.forecast import forecaster_backward, forecaster_forward
from .tasks.signals.series import split_windows
from .training.clipping import clip_grad_norm, clip_grad_value
from .training.gradcheck import check_gradients, numerical_gradient, rel_error
from .training.loop import fit
from .training.losses import mse_loss, softmax_cross_entropy
from .training.models import init_model, model_backward, model_forward
from .training.optim import SGD, Adam
from .training.tbptt import rnn_backward_truncated, tbptt_chunks

__all__ = [
    # layers
    "sigmoid",
    "softmax",
    "init_rnn_params",
    "rnn_cell_forward",
    "rnn_cell_backward",
    "rnn_forward",
    "rnn_backward",
    "init_lstm_params",
    "lstm_cell_forward",
    "lstm_cell_backward",
    "lstm_forward",
    "lstm_backward",
    "init_gru_params",
    "gru_cell_forward",
    "gru_cell_backward",
    "gru_forward",
    "gru_backward",
    "gru_param_count",
    "count_params",
    "output_forward",
    "output_backward",
    "output_probs",
    "lstm_params_to_torch",
    "lstm_params_from_torch",
    "gru_params_to_torch",
    "gru_params_from_torch",
    "unroll",
    "rnn_forward_by_steps",
    "rnn_backward_by_steps",
    "lstm_forward_by_steps",
    "lstm_backward_by_steps",
    "gru_forward_by_steps",
    "gru_backward_by_steps",
    "init_stack_params",
    "bidirectional_forward",
    "bidirectional_backward",
    "stack_forward",
    "stack_backward",
    "stack_final_states",
    "rnn_stack_to_torch",
    "rnn_stack_from_torch",
    "lstm_stack_to_torch",
    "lstm_stack_from_torch",
    # training
    "mse_loss",
    "softmax_cross_entropy",
    "SGD",
    "Adam",
    "clip_grad_norm",
    "clip_grad_value",
    "rnn_backward_truncated",
    "tbptt_chunks",
    "numerical_gradient",
    "rel_error",
    "check_gradients",
    "init_model",
    "model_forward",
    "model_backward",
    "fit",
    # tasks
    "BASELINE_MSE",
    "adding_problem_batch",
    "train_adding",
    "split_windows",
    "forecaster_forward",
    "forecaster_backward",
    "log_spectrogram",
]

__version__ = "0.1.0"
