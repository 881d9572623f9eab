"""The NumPy engine: the lecture's networks, backprop and training.

Never imports Streamlit or Plotly: everything here is a function of arrays.
"""

from engine import datasets
from engine.activations import ACTIVATION_NAMES, ACTIVATIONS
from engine.estimator import NeuralNetClassifier, NeuralNetRegressor, TrainingDivergedWarning
from engine.losses import LOSS_NAMES, LOSSES
from engine.network import Network
from engine.settings import TrainingSettings
from engine.trainer import History, Snapshot, Trainer

__all__ = [
    "ACTIVATIONS",
    "ACTIVATION_NAMES",
    "LOSSES",
    "LOSS_NAMES",
    "History",
    "NeuralNetClassifier",
    "NeuralNetRegressor",
    "Network",
    "Snapshot",
    "Trainer",
    "TrainingSettings",
    "TrainingDivergedWarning",
    "datasets",
]
