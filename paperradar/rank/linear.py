"""The per-reader classifier: L2-regularised logistic regression fitted by Newton's method.

The model is the one scikit-learn's ``LogisticRegression(solver="liblinear")`` fits: weighted
log-loss plus half the squared norm of the weights, the intercept being one more (regularised)
weight on a constant feature. It lives here rather than in scikit-learn because importing
scikit-learn costs about 0.9 s, a third of a fresh ``radar rank``; a test pins the two to the
same solution. The solver is truncated Newton: conjugate gradients on the Hessian, which is
never formed (two sparse products per step), and a backtracking line search that needs no
extra product because the margins move linearly along the step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

Array = np.ndarray[Any, np.dtype[np.float64]]
CG_STEPS = 100  # conjugate-gradient steps per Newton step at most


@dataclass(frozen=True)
class Logistic:
    """A fitted model: ``decision(x)`` is the log-odds of the positive class."""

    coef: Array
    intercept: float
    iterations: int

    def decision(self, x: Any) -> Array:
        out: Array = np.asarray(x @ self.coef, dtype=np.float64) + self.intercept
        return out


def fit_logistic(
    x: Any,
    y: np.ndarray[Any, Any],
    sample_weight: np.ndarray[Any, Any] | None = None,
    *,
    c: float = 1.0,
    tol: float = 1e-4,
    max_iter: int = 50,
) -> Logistic:
    """Minimise ``0.5 * |w|^2 + sum_i c * s_i * log(1 + exp(-y_i * (x_i . w + b)))`` (``b``
    counted in ``w``) over rows ``x`` (sparse CSR or dense), labels ``y`` in {0, 1} and sample
    weights ``s``. Stops when the gradient has shrunk by ``tol`` against its value at zero."""
    n, d = x.shape
    signs = np.where(np.asarray(y) > 0, 1.0, -1.0)
    cost = c * (np.ones(n) if sample_weight is None else np.asarray(sample_weight, np.float64))
    xt = x.T.tocsr() if hasattr(x, "tocsr") else np.asarray(x).T
    w = np.zeros(d)
    b = 0.0

    def objective(w: Array, b: float, margin: Array) -> float:
        return float(0.5 * (w @ w + b * b) + cost @ np.logaddexp(0.0, -signs * margin))

    margin = np.zeros(n)
    value = objective(w, b, margin)
    first_norm = 0.0
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 - reported on the model
        prob = _sigmoid(signs * margin)  # chance of each row's own label
        residual = cost * (prob - 1.0) * signs
        grad_w = w + np.asarray(xt @ residual, dtype=np.float64)
        grad_b = b + residual.sum()
        norm = float(np.sqrt(grad_w @ grad_w + grad_b * grad_b))
        first_norm = first_norm or norm
        if norm <= tol * first_norm or norm == 0.0:
            break
        curvature = cost * prob * (1.0 - prob)
        forcing = min(0.5, np.sqrt(norm / first_norm))
        step_w, step_b = _newton_step(x, xt, curvature, grad_w, grad_b, forcing * norm)
        along = np.asarray(x @ step_w, dtype=np.float64) + step_b
        slope = float(grad_w @ step_w + grad_b * step_b)
        alpha = 1.0
        while True:
            trial = margin + alpha * along
            new_value = objective(w + alpha * step_w, b + alpha * step_b, trial)
            if new_value <= value + 1e-4 * alpha * slope or alpha < 1e-8:
                break
            alpha /= 2
        w, b, margin, value = w + alpha * step_w, b + alpha * step_b, trial, new_value
    return Logistic(w, float(b), iterations)


def _newton_step(
    x: Any, xt: Any, curvature: Array, grad_w: Array, grad_b: float, target: float
) -> tuple[Array, float]:
    """An inexact solution of ``H s = -g`` by conjugate gradients, to a residual of ``target``,
    where ``H = I + X~' D X~`` (``X~`` is ``x`` with the constant column, ``D`` the curvature).
    Far from the optimum a rough direction is enough; near it, the steps get exact."""

    def hess(v_w: Array, v_b: float) -> tuple[Array, float]:
        scaled = curvature * (np.asarray(x @ v_w, dtype=np.float64) + v_b)
        return v_w + np.asarray(xt @ scaled, dtype=np.float64), v_b + float(scaled.sum())

    s_w, s_b = np.zeros_like(grad_w), 0.0
    r_w, r_b = -grad_w, -grad_b
    p_w, p_b = r_w.copy(), r_b
    rr = float(r_w @ r_w + r_b * r_b)
    for _ in range(CG_STEPS):
        if np.sqrt(rr) <= target:
            break
        h_w, h_b = hess(p_w, p_b)
        step = rr / float(p_w @ h_w + p_b * h_b)
        s_w, s_b = s_w + step * p_w, s_b + step * p_b
        r_w, r_b = r_w - step * h_w, r_b - step * h_b
        new_rr = float(r_w @ r_w + r_b * r_b)
        p_w, p_b = r_w + (new_rr / rr) * p_w, r_b + (new_rr / rr) * p_b
        rr = new_rr
    return s_w, s_b


def _sigmoid(z: Array) -> Array:
    out: Array = 0.5 * (1.0 + np.tanh(0.5 * z))  # no overflow for large |z|
    return out
