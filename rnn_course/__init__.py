"""rnn-course: NumPy reference implementations of recurrent networks.

The public API (see the notation page of the book) is importable from here.
"""

from .activations import sigmoid, softmax
from .gradcheck import check_gradients, numerical_gradient, rel_error
from .init import init_rnn_params
from .rnn import rnn_backward, rnn_cell_backward, rnn_cell_forward, rnn_forward

__all__ = [
    "check_gradients",
    "init_rnn_params",
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
