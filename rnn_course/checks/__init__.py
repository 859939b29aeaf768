"""Feedback checks called by the exercises' test cells (ex01 to ex08).

Each check runs a learner's function, raises :class:`FeedbackError` with a message that
names the mistake, and prints a line starting with a check mark when everything is right.
``hidden=True`` draws fresh random sizes and values, so a hard-coded answer fails.

One subpackage per exercise, which its notebook imports the checks from:
:mod:`~rnn_course.checks.recurrence` (ex01), :mod:`~rnn_course.checks.bptt` (ex02),
:mod:`~rnn_course.checks.gradients` (ex03), :mod:`~rnn_course.checks.lstm` (ex04),
:mod:`~rnn_course.checks.gru` (ex05), :mod:`~rnn_course.checks.language` (ex06),
:mod:`~rnn_course.checks.signals` (ex07),
:mod:`~rnn_course.checks.attention` (ex08). What they share is in ``_core`` (calling the
learner's function with private copies of its arguments, catching delegation and mutated
inputs, the messages), ``_watch`` (which reference functions, and which of the learner's
own, a call ran), ``_inputs`` (sizes and random parameters), ``_caches`` (the exercises'
cache contract, checked), ``_hints`` (what a shape error in a matrix product means) and
``_sequence`` (the diagnoses the RNN and GRU sequence checks share); ``_display`` shows a
failing check in Jupyter as the learner's own lines and the message. The checks use the reference implementations in
:mod:`rnn_course.layers` and :mod:`rnn_course.training`; those never know about the checks.
"""

from ._core import FeedbackError
from ._display import install as _install_display
from .attention import check_attention_backward_inputs, check_attention_backward_params
from .attention import check_attention_forward_shapes, check_attention_forward_values
from .attention import check_masked_softmax_shapes, check_masked_softmax_values
from .bptt import check_numerical_gradient, check_rnn_backward, check_rnn_cell_backward
from .bptt import check_sequence_cross_entropy
from .gradients import check_clip_grad_norm, check_clip_grad_norm_edge_cases, check_clip_grad_value
from .gradients import check_gradient_norms_shapes, check_gradient_norms_values
from .gru import check_gru_backward, check_gru_cell_backward, check_gru_cell_forward_shapes
from .gru import check_gru_cell_forward_values, check_gru_forward_shapes, check_gru_forward_values
from .gru import check_gru_param_count
from .language import check_classifier_backward, check_classifier_forward
from .language import check_sample_distribution, check_sample_shapes, check_train_step
from .lstm import check_lstm_backward_shapes, check_lstm_backward_values, check_lstm_cell_backward_shapes
from .lstm import check_lstm_cell_backward_values, check_lstm_cell_forward_shapes
from .lstm import check_lstm_cell_forward_values, check_lstm_forward_shapes, check_lstm_forward_values
from .recurrence import check_rnn_cell_forward_shapes, check_rnn_cell_forward_values
from .recurrence import check_rnn_forward_learned_h0, check_rnn_forward_shapes, check_rnn_forward_values
from .recurrence import check_rnn_output
from .signals import check_forecaster_backward, check_forecaster_forward, check_log_spectrogram
from .signals import check_split_windows

_install_display()

__all__ = [
    "FeedbackError",
    "check_attention_backward_inputs",
    "check_attention_backward_params",
    "check_attention_forward_shapes",
    "check_attention_forward_values",
    "check_classifier_backward",
    "check_classifier_forward",
    "check_clip_grad_norm",
    "check_clip_grad_norm_edge_cases",
    "check_clip_grad_value",
    "check_forecaster_backward",
    "check_forecaster_forward",
    "check_log_spectrogram",
    "check_split_windows",
    "check_gradient_norms_shapes",
    "check_gradient_norms_values",
    "check_gru_backward",
    "check_gru_cell_backward",
    "check_gru_cell_forward_shapes",
    "check_gru_cell_forward_values",
    "check_gru_forward_shapes",
    "check_gru_forward_values",
    "check_gru_param_count",
    "check_lstm_backward_shapes",
    "check_lstm_backward_values",
    "check_lstm_cell_backward_shapes",
    "check_lstm_cell_backward_values",
    "check_lstm_cell_forward_shapes",
    "check_lstm_cell_forward_values",
    "check_lstm_forward_shapes",
    "check_lstm_forward_values",
    "check_masked_softmax_shapes",
    "check_masked_softmax_values",
    "check_numerical_gradient",
    "check_rnn_backward",
    "check_rnn_cell_backward",
    "check_rnn_cell_forward_shapes",
    "check_rnn_cell_forward_values",
    "check_rnn_forward_learned_h0",
    "check_rnn_forward_shapes",
    "check_rnn_forward_values",
    "check_rnn_output",
    "check_sample_distribution",
    "check_sample_shapes",
    "check_sequence_cross_entropy",
    "check_train_step",
]
