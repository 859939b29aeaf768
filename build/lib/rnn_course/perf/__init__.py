"""Benchmarks of the course's layers: measured and printed, never asserted.

- :mod:`rnn_course.perf.layers`: forward plus backward of the fused sequence functions
  against ``torch.nn`` on issue 16's grid, the rate of their matrix products against
  NumPy's own, and their peak memory;
- :mod:`rnn_course.perf.training`: the time to train the names language model to a
  held-out loss, course against PyTorch;
- :mod:`rnn_course.perf.report`: runs them and prints the tables (``python -m
  rnn_course.perf``, or ``benchmarks/layers_vs_torch.py``), in a process of its own whose
  environment fixes the BLAS threads and lifts OpenBLAS's core-type override.

Book: the Performance page.
"""
