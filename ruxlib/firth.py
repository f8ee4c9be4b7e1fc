"""Cox and logistic regression by maximum likelihood and with Firth's penalty, with likelihood-ratio tests.

With a handful of events a covariate can (nearly) *separate* the outcomes: in the
LNR analysis every patient who died had the lowest ratio of everyone still at risk.
The ordinary maximum-likelihood estimate then runs off towards infinity; its
standard error grows faster than the estimate, so the Wald test loses all power
while the likelihood-ratio test does not. Firth's penalty (the Jeffreys prior,
½ log det I(β)) removes the first-order bias of the estimate and keeps it finite
under separation (Firth 1993; Heinze and Schemper 2001, 2002).

Both models are fitted here by Newton-Raphson with step halving:

* :func:`cox_fit`: the Cox proportional-hazards model, Breslow's partial
  likelihood for tied event times (R ``coxph(ties = "breslow")``; with
  ``firth=True`` R ``coxphf``);
* :func:`logistic_fit`: logistic regression with an intercept (with
  ``firth=True`` R ``logistf``).

Each returns a :class:`RegressionFit` with the coefficients, their standard
errors from the inverse information at the estimate, Wald p values, and the
(penalised) likelihood-ratio test of all covariates at once. :func:`lr_test`
gives the (penalised) likelihood-ratio test of single coefficients, refitting
with the coefficient held at 0 and the penalty of the full model, as ``logistf``
does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as _st

from .stats import TestResult

__all__ = ["RegressionFit", "cox_fit", "logistic_fit", "lr_test", "profile_ci"]


@dataclass(frozen=True)
class RegressionFit:
    """A fitted Cox or logistic model.

    Attributes
    ----------
    model : str
        ``"Cox"`` or ``"logistic"``, with ``" (Firth)"`` when penalised.
    names : tuple of str
        Covariate names (for logistic, the first is ``"(Intercept)"``).
    coef, se, wald_p : numpy.ndarray
        Estimates (log hazard ratios or log odds ratios), standard errors
        (square roots of the diagonal of the inverse information at the
        estimate) and two-sided Wald p values.
    loglik, loglik_null : float
        The (penalised, when Firth) log likelihood at the estimate and with
        every covariate coefficient at 0 (the intercept refitted for logistic).
    lr : ruxlib.stats.TestResult
        (Penalised) likelihood-ratio test of all covariates: 2 (loglik -
        loglik_null) on as many degrees of freedom as covariates.
    converged : bool
        Whether the relative change of the log likelihood fell below the
        tolerance within ``max_iter`` iterations. Under separation the ordinary
        fit does not converge in β: the estimate is wherever the iterations stopped.
    n_iter : int
    firth : bool
    """

    model: str
    names: tuple[str, ...]
    coef: np.ndarray
    se: np.ndarray
    wald_p: np.ndarray
    loglik: float
    loglik_null: float
    lr: TestResult
    converged: bool
    n_iter: int
    firth: bool
    _data: tuple = field(default=(), repr=False, compare=False)

    def table(self) -> pd.DataFrame:
        """One row per coefficient: ``coef``, ``se``, ``wald_p`` and, for a Cox model, ``hr`` = exp(coef)."""
        out = pd.DataFrame({"coef": self.coef, "se": self.se, "wald_p": self.wald_p},
                           index=pd.Index(self.names, name="term"))
        if self.model.startswith("Cox"):
            out["hr"] = np.exp(out["coef"])
        return out


def _as_matrix(x) -> tuple[np.ndarray, tuple[str, ...]]:
    if isinstance(x, pd.DataFrame):
        return x.to_numpy(float), tuple(map(str, x.columns))
    if isinstance(x, pd.Series):
        return x.to_numpy(float)[:, None], (str(x.name) if x.name is not None else "x",)
    arr = np.asarray(x, dtype=float)
    arr = arr[:, None] if arr.ndim == 1 else arr
    return arr, tuple(f"x{i + 1}" for i in range(arr.shape[1]))


# --- Cox: Breslow partial likelihood -------------------------------------------------------------

def _cox_parts(beta: np.ndarray, time: np.ndarray, event: np.ndarray, x: np.ndarray, third: bool):
    """Breslow log partial likelihood, score, information and (optionally) dI/dβ_r.

    For each distinct event time with d deaths and risk set R (time ≥ t), weights
    w = exp(xβ) over R: μ = Σ w x / Σ w, V = Σ w (x-μ)(x-μ)ᵀ / Σ w and, for the
    penalty, the third central moments T_r = Σ w (x-μ)(x-μ)ᵀ (x_r - μ_r) / Σ w
    (the derivative of V with respect to β_r).
    """
    p = x.shape[1]
    eta = x @ beta
    loglik, score, info = 0.0, np.zeros(p), np.zeros((p, p))
    dinfo = np.zeros((p, p, p)) if third else None
    for t in np.unique(time[event == 1]):
        risk = time >= t
        dead = (time == t) & (event == 1)
        d = dead.sum()
        e = eta[risk]
        shift = e.max()
        w = np.exp(e - shift)
        s0 = w.sum()
        xr = x[risk]
        mu = w @ xr / s0
        c = xr - mu
        var = (c * w[:, None]).T @ c / s0
        loglik += eta[dead].sum() - d * (np.log(s0) + shift)
        score += x[dead].sum(axis=0) - d * mu
        info += d * var
        if third:
            dinfo += d * np.einsum("i,ij,ik,ir->rjk", w, c, c, c) / s0
    return loglik, score, info, dinfo


def _logit_parts(beta: np.ndarray, y: np.ndarray, x: np.ndarray, third: bool):
    """Logistic log likelihood, score, information XᵀWX and dI/dβ_r = Xᵀ diag(π(1-π)(1-2π) x_r) X."""
    eta = x @ beta
    pi = 1 / (1 + np.exp(-eta))
    loglik = float(np.sum(y * eta - np.logaddexp(0, eta)))
    score = x.T @ (y - pi)
    w = pi * (1 - pi)
    info = (x * w[:, None]).T @ x
    dinfo = np.einsum("i,ir,ij,ik->rjk", w * (1 - 2 * pi), x, x, x) if third else None
    return loglik, score, info, dinfo


def _newton(parts, p: int, firth: bool, free: np.ndarray, start: np.ndarray | None, max_iter: int, tol: float,
            step_tol: float | None = None):
    """Maximise the (penalised) log likelihood over the ``free`` coefficients (others stay at ``start``).

    Penalised log likelihood l*(β) = l(β) + ½ log det I(β); its score is
    U_r + ½ tr(I⁻¹ ∂I/∂β_r). Each step solves I δ = U* on the free coordinates
    and halves δ until l* does not decrease (at most 30 halvings). Stops when
    |l*_new - l*_old| ≤ tol (|l*_old| + tol) (R ``coxph``'s rule) and, when ``step_tol`` is
    given, the largest step is below it (logistic fits: the estimate itself has converged).
    """
    beta = np.zeros(p) if start is None else start.astype(float).copy()

    def objective(b):
        ll, u, info, dinfo = parts(b, firth)
        if firth:
            sign, logdet = np.linalg.slogdet(info)
            ll = ll + 0.5 * logdet if sign > 0 else -np.inf
            inv = np.linalg.pinv(info)
            u = u + 0.5 * np.einsum("jk,rkj->r", inv, dinfo)
        return ll, u, info

    ll, u, info = objective(beta)
    converged, n_iter = False, 0
    if not free.any():
        return beta, ll, info, True, 0
    while n_iter < max_iter:
        n_iter += 1
        f = np.flatnonzero(free)
        step = np.zeros(p)
        step[f] = np.linalg.lstsq(info[np.ix_(f, f)], u[f], rcond=None)[0]
        for _ in range(30):
            new = beta + step
            ll_new, u_new, info_new = objective(new)
            if ll_new >= ll - 1e-12 * abs(ll):
                break
            step /= 2
        done = abs(ll_new - ll) <= tol * (abs(ll) + tol) and (step_tol is None or np.abs(step).max() < step_tol)
        beta, ll, u, info = new, ll_new, u_new, info_new
        if done:
            converged = True
            break
    return beta, ll, info, converged, n_iter


def _fit(model: str, parts, names, p: int, free_null: np.ndarray, firth: bool, max_iter: int, tol: float,
         n: int, data: tuple, step_tol: float | None = None) -> RegressionFit:
    beta, ll, info, converged, it = _newton(parts, p, firth, np.ones(p, bool), None, max_iter, tol, step_tol)
    _, ll0, _, _, _ = _newton(parts, p, firth, free_null, None, max_iter, tol, step_tol)
    cov = np.linalg.pinv(info)
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        wald = np.where(se > 0, 2 * _st.norm.sf(np.abs(beta / np.where(se > 0, se, 1))), np.nan)
    df = int((~free_null).sum())
    stat = max(0.0, 2 * (ll - ll0))
    label = f"{model} (Firth)" if firth else model
    lr = TestResult(statistic=float(stat), pvalue=float(_st.chi2.sf(stat, df)), method="chi-square", n=n, df=df,
                    test=f"{'Penalised likelihood' if firth else 'Likelihood'}-ratio, {label}", symbol="χ²")
    return RegressionFit(model=label, names=tuple(names), coef=beta, se=se, wald_p=wald, loglik=float(ll),
                         loglik_null=float(ll0), lr=lr, converged=converged, n_iter=it, firth=firth,
                         _data=data)


def cox_fit(time, event, x, firth: bool = False, max_iter: int | None = None, tol: float = 1e-9) -> RegressionFit:
    """Cox proportional-hazards model (Breslow ties), by maximum or Firth-penalised partial likelihood.

    Parameters
    ----------
    time : array-like of float
        Follow-up times.
    event : array-like of {0, 1}
        1 = event, 0 = censored.
    x : array-like, Series or DataFrame
        Covariates, one row per subject (a 1-D array is one covariate); column names are kept.
    firth : bool, default False
        Maximise the penalised partial likelihood l(β) + ½ log det I(β) (Heinze and Schemper
        2001; R ``coxphf``) instead of l(β).
    max_iter : int, optional
        Newton-Raphson iterations: by default 20 (R ``coxph``'s ``iter.max``), 100 with Firth.
    tol : float, default 1e-9
        Relative change of the log likelihood that stops the iterations (R ``coxph``'s rule);
        with Firth the largest step must also be below 1e-8 (the penalised maximum is finite).

    Returns
    -------
    RegressionFit
        ``lr`` is the (penalised) likelihood-ratio test of β = 0 against β̂.

    Notes
    -----
    Algorithm

    1. Breslow partial log likelihood l(β) = Σ over event times t of [Σ_{dead at t} x β -
       d log Σ_{at risk at t} exp(x β)]; score U = Σ d (x̄_dead - μ_t); information
       I = Σ d V_t, V_t the exp(xβ)-weighted covariance of x over the risk set.
    2. Firth: the penalty's derivative uses ∂I/∂β_r = Σ d T_{t,r}, T the weighted third
       central moments; the modified score is U_r + ½ tr(I⁻¹ ∂I/∂β_r).
    3. Newton-Raphson from β = 0 with step halving; SE from I(β̂)⁻¹.
    4. LR test: 2 [l*(β̂) - l*(0)] against χ² with p degrees of freedom (the penalised
       statistic of ``coxphf`` when ``firth``).

    Under (quasi-)complete separation the ordinary estimate has no finite maximum:
    ``converged`` may still be True (the log likelihood stops changing) while β̂ and its
    SE are wherever the iterations stopped; the Wald p value is then meaningless and
    the likelihood-ratio p value is the one to read.

    References
    ----------
    Firth D (1993). Bias reduction of maximum likelihood estimates. Biometrika 80:27-38.
    Heinze G, Schemper M (2001). A solution to the problem of monotone likelihood in Cox
    regression. Biometrics 57:114-119.
    """
    xm, names = _as_matrix(x)
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=int)
    if not (len(t) == len(e) == len(xm)):
        raise ValueError("time, event and x must have one row per subject")
    if e.sum() == 0:
        raise ValueError("no events: the Cox model cannot be fitted")

    def parts(b, third):
        return _cox_parts(b, t, e, xm, third)

    p = xm.shape[1]
    if max_iter is None:
        max_iter = 100 if firth else 20
    return _fit("Cox", parts, names, p, np.zeros(p, bool), firth, max_iter, tol, len(t), ("cox", t, e, xm),
                step_tol=1e-8 if firth else None)


def logistic_fit(y, x, firth: bool = False, max_iter: int = 50, tol: float = 1e-10) -> RegressionFit:
    """Logistic regression with an intercept, by maximum or Firth-penalised likelihood.

    Parameters
    ----------
    y : array-like of {0, 1}
        Outcome.
    x : array-like, Series or DataFrame
        Covariates (an intercept is added as the first column).
    firth : bool, default False
        Maximise l(β) + ½ log det(XᵀWX) (Firth 1993; R ``logistf``).
    max_iter : int, default 50
    tol : float, default 1e-10

    Returns
    -------
    RegressionFit
        ``names[0]`` is ``"(Intercept)"``; ``lr`` tests every covariate but the intercept
        (the intercept refitted under the null, with the full model's penalty).

    Notes
    -----
    With one binary covariate, Firth's estimate of its coefficient is the log of the odds
    ratio with 0.5 added to each cell of the 2 × 2 table (the Haldane-Anscombe correction),
    exactly; it is finite when a cell is 0.

    References
    ----------
    Firth D (1993). Biometrika 80:27-38. Heinze G, Schemper M (2002). A solution to the
    problem of separation in logistic regression. Statistics in Medicine 21:2409-2419.
    """
    xm, names = _as_matrix(x)
    yv = np.asarray(y, dtype=float)
    if len(yv) != len(xm):
        raise ValueError("y and x must have one row per subject")
    xm = np.column_stack([np.ones(len(yv)), xm])

    def parts(b, third):
        return _logit_parts(b, yv, xm, third)

    p = xm.shape[1]
    free_null = np.zeros(p, bool)
    free_null[0] = True
    return _fit("logistic", parts, ("(Intercept)", *names), p, free_null, firth, max_iter, tol, len(yv),
                ("logistic", yv, xm), step_tol=1e-8)


def _parts_of(fit: RegressionFit):
    kind, *data = fit._data
    if kind == "cox":
        t, e, xm = data

        def parts(b, third):
            return _cox_parts(b, t, e, xm, third)
        return parts, None if not fit.firth else 1e-8, len(xm)
    yv, xm = data

    def parts(b, third):
        return _logit_parts(b, yv, xm, third)
    return parts, 1e-8, len(xm)


def _profile(fit: RegressionFit, j: int, value: float) -> float:
    """The (penalised) log likelihood maximised over the other coefficients with coefficient ``j`` at ``value``."""
    parts, step_tol, _ = _parts_of(fit)
    p = len(fit.coef)
    free = np.ones(p, bool)
    free[j] = False
    start = fit.coef.copy()
    start[j] = value
    return _newton(parts, p, fit.firth, free, start, 100, 1e-12, step_tol)[1]


def profile_ci(fit: RegressionFit, term: str | int, level: float = 0.95) -> tuple[float, float]:
    """Profile (penalised) likelihood confidence interval of one coefficient.

    Parameters
    ----------
    fit : RegressionFit
        From :func:`cox_fit` or :func:`logistic_fit`.
    term : str or int
        The coefficient's name or position in ``fit.names``.
    level : float, default 0.95

    Returns
    -------
    tuple of float
        ``(lower, upper)``: the values b where 2 [l*(β̂) - l*_profile(b)] equals the
        ``level`` quantile of χ²₁, l*_profile the (penalised) log likelihood maximised over
        the other coefficients. A bound that does not exist within 50 units of β̂ (the
        profile never drops far enough, as for an ordinary fit under separation) is
        ``-inf`` or ``inf``. With Firth, this is the interval of R ``coxphf`` and ``logistf``.
    """
    from scipy.optimize import brentq

    j = fit.names.index(term) if isinstance(term, str) else int(term)
    target = fit.loglik - _st.chi2.ppf(level, 1) / 2
    beta = float(fit.coef[j])

    def gap(b):
        return _profile(fit, j, b) - target

    bounds = []
    for direction in (-1.0, 1.0):
        step, found = 0.5, None
        while step <= 50:
            b = beta + direction * step
            if gap(b) < 0:
                lo, hi = sorted((beta + direction * step / 2 if step > 0.5 else beta, b))
                found = brentq(gap, lo, hi, xtol=1e-8)
                break
            step *= 2
        bounds.append(found if found is not None else direction * np.inf)
    return bounds[0], bounds[1]


def lr_test(fit: RegressionFit, term: str | int) -> TestResult:
    """(Penalised) likelihood-ratio test of one coefficient of a fitted model.

    Parameters
    ----------
    fit : RegressionFit
        From :func:`cox_fit` or :func:`logistic_fit`.
    term : str or int
        The coefficient's name or position in ``fit.names``.

    Returns
    -------
    ruxlib.stats.TestResult
        2 [l*(β̂) - l*(β̂ with this coefficient held at 0, the others refitted)] on 1 degree
        of freedom; with Firth the penalty is that of the full model (R ``logistf``,
        ``coxphf``).
    """
    j = fit.names.index(term) if isinstance(term, str) else int(term)
    kind, *data = fit._data
    if kind == "cox":
        t, e, xm = data

        def parts(b, third):
            return _cox_parts(b, t, e, xm, third)
    else:
        yv, xm = data

        def parts(b, third):
            return _logit_parts(b, yv, xm, third)
    p = len(fit.coef)
    free = np.ones(p, bool)
    free[j] = False
    _, ll0, _, _, _ = _newton(parts, p, fit.firth, free, None, 100, 1e-10,
                              None if kind == "cox" and not fit.firth else 1e-8)
    stat = max(0.0, 2 * (fit.loglik - ll0))
    return TestResult(statistic=float(stat), pvalue=float(_st.chi2.sf(stat, 1)), method="chi-square",
                      n=len(xm), df=1, test=f"Likelihood-ratio for {fit.names[j]}, {fit.model}", symbol="χ²")
