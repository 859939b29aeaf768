"""Feedback checks for exercise ex06-language: sampling with a temperature (Part 1,
:mod:`~rnn_course.checks.language.sampling`, its axis mistakes named by ``_sampling_axes``),
the many-to-one classifier's forward and
backward with masking (Part 2, :mod:`~rnn_course.checks.language.classifier`), one training
step with clipping (Part 3, :mod:`~rnn_course.checks.language.step`)."""

from .classifier import check_classifier_backward, check_classifier_forward
from .sampling import check_sample_distribution, check_sample_shapes
from .step import check_train_step

__all__ = [
    "check_classifier_backward",
    "check_classifier_forward",
    "check_sample_distribution",
    "check_sample_shapes",
    "check_train_step",
]
