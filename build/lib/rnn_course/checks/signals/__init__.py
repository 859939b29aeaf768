"""Feedback checks for exercise ex07-signals: windows of a series without leakage
(:mod:`~rnn_course.checks.signals.windows`), a many-to-one forecaster's forward and
backward pass (:mod:`~rnn_course.checks.signals.forecaster`), and framing a signal into a
log power spectrum (:mod:`~rnn_course.checks.signals.spectrum`)."""

from .forecaster import check_forecaster_backward, check_forecaster_forward
from .spectrum import check_log_spectrogram
from .windows import check_split_windows

__all__ = ["check_forecaster_backward", "check_forecaster_forward", "check_log_spectrogram",
           "check_split_windows"]
