"""``python -m rnn_course.perf``: see :mod:`rnn_course.perf.report`.

Book: the Performance page (how to rerun the benchmark).
"""

from .report import main

main()
