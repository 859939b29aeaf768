"""Speed of the course's layers against PyTorch on this machine's CPU, in one run.

For RNN, LSTM and GRU at the sizes (T, B, D, H) of issue 16, in float64 and float32:
forward plus backward of the fused sequence functions against ``torch.nn`` with autograd
(interleaved, same threads, best of ``--repeat``), the ratio ours / torch and its median;
then the rate of the matrix products against NumPy's own rate on the same products, the
peak memory against the bytes the backward pass needs, and the time to train the names
language model to a fixed held-out loss against the same model in PyTorch. Ratios, not
seconds, are what to compare across machines. Run with:

    .venv/bin/python benchmarks/layers_vs_torch.py [--repeat 5] [--threads 2] [--quick] [--json out.json]

It restarts itself with ``OPENBLAS_CORETYPE`` unset and the BLAS threads set to
``--threads``. Not a test: nothing here asserts a speed. The code is in
:mod:`rnn_course.perf`.
"""

from rnn_course.perf.report import main

if __name__ == "__main__":
    main()
