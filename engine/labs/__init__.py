"""The maths of the lecture's four labs, as pure functions of arrays: one module per lab.

1. `sign_flips`: with m hidden units, how many sign flips are there, and which work?
2. `kernels_vs_features`: kernel SVMs (features fixed) against random and learned features.
3. `universal_approximation`: one hidden layer of m units fitting h(x), the sup-norm error.
4. `backprop_inspector`: one point's z, a and delta per layer, and the gradient check.

`training` holds what they share (a network trained end to end, an output unit on fixed
features, accuracy). Every public name is also here, so ``labs.compare_models`` works.
NumPy and scikit-learn only (SciPy for one linear programme); never Streamlit or Plotly.
Every function that draws random numbers takes a seed, so a lab's result is a function of
its arguments and can be cached.
"""

from engine.labs.backprop_inspector import (
    GradCheck,
    LayerTrace,
    PointBackprop,
    gradient_check,
    largest_loss_point,
    objective_value,
    parameter_names,
    point_backprop,
    relative_error,
)
from engine.labs.kernels_vs_features import (
    Comparison,
    ModelResult,
    compare_models,
    kernel_svm,
    random_feature_network,
    width_sweep,
)
from engine.labs.sign_flips import (
    MAX_SIGN_UNITS,
    Compensation,
    SignPattern,
    all_sign_patterns,
    compensations,
    flip_pattern,
    iter_sign_patterns,
    sign_pattern,
    sign_patterns,
    sort_patterns,
)
from engine.labs.training import (
    LAB_SETTINGS,
    LinearFit,
    accuracy,
    fit_output_unit,
    linearly_separable,
    separating_line,
    train_network,
    with_output,
)
from engine.labs.universal_approximation import (
    EVAL_POINTS,
    MAX_WIDTH,
    UNIVERSAL_ACTIVATIONS,
    UNIVERSAL_SETTINGS,
    UniversalFit,
    fit_universal,
    least_squares_output,
    spread_init,
    target_function,
    universal_sweep,
)

__all__ = [
    "EVAL_POINTS",
    "LAB_SETTINGS",
    "MAX_SIGN_UNITS",
    "MAX_WIDTH",
    "UNIVERSAL_ACTIVATIONS",
    "UNIVERSAL_SETTINGS",
    "Comparison",
    "Compensation",
    "GradCheck",
    "LayerTrace",
    "LinearFit",
    "ModelResult",
    "PointBackprop",
    "SignPattern",
    "UniversalFit",
    "accuracy",
    "all_sign_patterns",
    "compare_models",
    "compensations",
    "fit_output_unit",
    "fit_universal",
    "flip_pattern",
    "gradient_check",
    "iter_sign_patterns",
    "kernel_svm",
    "largest_loss_point",
    "least_squares_output",
    "linearly_separable",
    "objective_value",
    "parameter_names",
    "point_backprop",
    "random_feature_network",
    "relative_error",
    "separating_line",
    "sign_pattern",
    "sign_patterns",
    "sort_patterns",
    "spread_init",
    "target_function",
    "train_network",
    "universal_sweep",
    "width_sweep",
    "with_output",
]
