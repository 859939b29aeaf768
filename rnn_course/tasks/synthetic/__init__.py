"""Synthetic tasks whose answer is known by construction: long-range memory, a known
dependency length.

- :mod:`~rnn_course.tasks.synthetic.adding`: The adding problem (Hochreiter and Schmidhuber,
  1997): a test of long-range memory;
- :mod:`~rnn_course.tasks.synthetic.delayed_copy`: The delayed-copy task, and the vanilla
  RNN classifier trained on it with full or truncated BPTT.
"""
