"""Cross-sectional regressions of CARs on event and firm characteristics: the second stage.

Once each event's CAR is measured, the second stage asks what explains them: the
CARs of one window are regressed on characteristics of the events and the firms
(MacKinlay 1997, "Cross-sectional models"; Kothari & Warner 2007). This module fits
that regression with statsmodels' formula interface on a table of complete rows,
one per event (:meth:`EventStudyResults.cross_section
<eventstudy.EventStudyResults.cross_section>` builds the table and reports the rows
it leaves out):

=======================  ===============================================================
``formula_variables``    the dependent variable and the columns a formula names
``standardized_car``     SCAR = CAR / s.e. (Boehmer, Musumeci & Poulsen 1991)
``fit_cross_section``    OLS, or WLS with inverse-variance weights, and a nonrobust, HC1,
                         HC3 or cluster-robust covariance
=======================  ===============================================================

The dependent variable (:data:`DEPENDENT`) is ``car``, ``bhar`` or ``scar``.
Covariances (:data:`COV_TYPES`): ``nonrobust``, the classical OLS one; ``HC1``, White's
(1980) heteroskedasticity-consistent covariance scaled by ``n / (n - k)`` (MacKinnon &
White 1985), the default, because the CARs of different securities and windows have
different variances; ``HC3``, MacKinnon & White's jackknife-like estimator, which is
less biased in small samples but undefined when a regressor singles out one event;
``cluster``, the cluster-robust covariance (statsmodels' ``cov_type="cluster"`` with
its small-sample factor ``G / (G - 1) * (n - 1) / (n - k)``), for events that share
a date or a firm (Petersen 2009; Cameron & Miller 2015). Inference is Student-t:
``n - k`` degrees of freedom, ``G - 1`` with ``G`` clusters. The regressions assume
that the CARs are independent across events, or across clusters when clustered.

Weights ``1 / se**2`` (``weights=``) make the fit weighted least squares, the
efficient (generalized least squares) estimator when each CAR's error variance is
proportional to its estimated variance (Aitken 1935); a robust covariance still
guards against that assumption failing.

References
----------
Aitken, A. C. (1935). On least squares and linear combination of observations.
*Proceedings of the Royal Society of Edinburgh* 55, 42-48.

Boehmer, E., Musumeci, J. and Poulsen, A. B. (1991). Event-study methodology under
conditions of event-induced variance. *Journal of Financial Economics* 30(2), 253-272.

Cameron, A. C. and Miller, D. L. (2015). A practitioner's guide to cluster-robust
inference. *Journal of Human Resources* 50(2), 317-372.

Kothari, S. P. and Warner, J. B. (2007). Econometrics of event studies. In B. E.
Eckbo (ed.), *Handbook of Corporate Finance: Empirical Corporate Finance*, vol. 1,
ch. 1. Elsevier.

MacKinlay, A. C. (1997). Event studies in economics and finance. *Journal of Economic
Literature* 35(1), 13-39.

MacKinnon, J. G. and White, H. (1985). Some heteroskedasticity-consistent covariance
matrix estimators with improved finite sample properties. *Journal of Econometrics*
29(3), 305-325.

Petersen, M. A. (2009). Estimating standard errors in finance panel data sets:
comparing approaches. *Review of Financial Studies* 22(1), 435-480.

White, H. (1980). A heteroskedasticity-consistent covariance matrix estimator and a
direct test for heteroskedasticity. *Econometrica* 48(4), 817-838.
"""

from __future__ import annotations

import ast
import io
import keyword
import tokenize

import numpy as np
import pandas as pd

from eventstudy.errors import SpecificationError

from .smallsample import SMALL_SAMPLE

DEPENDENT = ("car", "bhar", "scar")
"""The dependent variables a cross-section may name on its formula's left side."""

COV_TYPES = ("nonrobust", "HC1", "HC3", "cluster")
"""The covariances of the coefficients (statsmodels' ``cov_type``)."""

WEIGHTS = ("inverse_variance",)
"""The weights a cross-section accepts besides none (OLS)."""

FEW_CLUSTERS = 20
"""Cluster-robust standard errors with fewer clusters than this carry a note."""

_CATEGORY = "C"  # patsy's and formulaic's categorical term, C(x, contrast)


def standardized_car(car, se) -> np.ndarray:
    """Standardized CARs, ``SCAR_i = CAR_i / se_i``, as Boehmer, Musumeci & Poulsen.

    ``se_i`` is the CAR's prediction-error-corrected standard error (the windows
    table's ``se``); under H0 each SCAR has mean zero and (about) unit variance, so
    that events measured with different precision weigh alike. Missing where the
    standard error is missing or not positive.

    References
    ----------
    Boehmer, E., Musumeci, J. and Poulsen, A. B. (1991). Event-study methodology
    under conditions of event-induced variance. *Journal of Financial Economics*
    30(2), 253-272 (the standardized cumulative abnormal return).
    """
    car = np.asarray(car, dtype=np.float64)
    se = np.asarray(se, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(se > 0, car / se, np.nan)


def formula_variables(
    formula: object, columns=None
) -> tuple[str, list[str], set[str]]:
    """The dependent variable of ``formula`` and the columns its right side names.

    ``"car ~ us_revenue_share + C(sector) + np.log(assets)"`` gives ``("car",
    ["us_revenue_share", "sector", "assets"], {"sector"})``: the variables in the order
    written, and those used only as categories (inside ``C(...)``). Function and
    module names (``np.log``, ``I``, ``C``), keyword arguments and the contrasts of
    ``C(x, Sum)`` are not variables; ``Q("a name")`` names the column ``a name``.

    Parameters
    ----------
    formula : str
    columns : sequence of str, optional
        The columns of the table the formula is for: a name that is not one of them
        is an error.

    Raises
    ------
    SpecificationError
        If ``formula`` is not ``"<dependent> ~ <terms>"`` with a dependent of
        :data:`DEPENDENT`, its right side is not a readable expression, or it names
        a column not in ``columns``.
    """
    if not isinstance(formula, str) or formula.count("~") != 1:
        raise SpecificationError(
            f"the formula must be one text 'car ~ x + y' (one '~'), not {formula!r}")
    left, right = (side.strip() for side in formula.split("~"))
    if left not in DEPENDENT:
        raise SpecificationError(
            f"the formula's left side must name the dependent variable, one of "
            f"{', '.join(DEPENDENT)}, not {left!r}")
    if not right:
        raise SpecificationError(f"the formula {formula!r} has nothing right of '~'")
    variables, categorical = _right_side_names(right, formula)
    if columns is not None:
        _check_columns([left, *variables], columns)
    return left, variables, categorical


def _check_columns(names: list[str], columns) -> None:
    unknown = [name for name in names if name not in set(columns)]
    if unknown:
        raise SpecificationError(
            f"the formula names {', '.join(map(repr, unknown))}, not a column of the events' "
            f"table (its columns: {', '.join(map(str, columns))})")


def _right_side_names(right: str, formula: str) -> tuple[list[str], set[str]]:
    tokens = _tokens(right, formula)
    calls: list[list] = []  # per open parenthesis: [function name, argument position]
    names: dict[str, bool] = {}  # variable -> used only inside C(...)
    for i, token in enumerate(tokens):
        before = tokens[i - 1] if i else None
        after = tokens[i + 1].string if i + 1 < len(tokens) else ""
        if token.string == "(":
            calls.append([before.string if before and before.type == tokenize.NAME else "", 0])
        elif token.string == ")" and calls:
            calls.pop()
        elif token.string == "," and calls:
            calls[-1][1] += 1
        elif _is_variable(token, before, after, calls):
            inside_c = any(name == _CATEGORY for name, _ in calls)
            names[_column(token)] = names.get(_column(token), True) and inside_c
    return list(names), {name for name, only_c in names.items() if only_c}


def _tokens(right: str, formula: str) -> list[tokenize.TokenInfo]:
    skip = {tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.INDENT,
            tokenize.DEDENT, tokenize.COMMENT}
    try:
        return [t for t in tokenize.generate_tokens(io.StringIO(right).readline)
                if t.type not in skip]
    except (tokenize.TokenError, SyntaxError) as exc:
        raise SpecificationError(
            f"the formula {formula!r} is not readable (check its parentheses and quotes)"
        ) from exc


def _is_variable(token, before, after: str, calls: list[list]) -> bool:
    """A column name: a bare name (not a function, module, attribute or keyword
    argument, nor a contrast of C(x, ...)) or the text of Q("...")."""
    if token.type == tokenize.STRING:
        return bool(calls) and calls[-1] == ["Q", 0]
    if token.type != tokenize.NAME or keyword.iskeyword(token.string):
        return False
    if (before is not None and before.string == ".") or after in ("(", ".", "="):
        return False
    return not (calls and calls[-1][0] == _CATEGORY and calls[-1][1] > 0)


def _column(token: tokenize.TokenInfo) -> str:
    return ast.literal_eval(token.string) if token.type == tokenize.STRING else token.string


def fit_cross_section(
    formula: str,
    frame: pd.DataFrame,
    cov_type: str = "HC1",
    groups=None,
    weights=None,
):
    """Fit ``formula`` on ``frame`` by OLS (or WLS) with the covariance ``cov_type``.

    Parameters
    ----------
    formula : str
        ``"<dependent> ~ <terms>"`` in statsmodels' formula language, the dependent
        one of :data:`DEPENDENT`; numpy is available as ``np``.
    frame : DataFrame
        One complete row per event: every column the formula names, without
        missing values (the caller reports the rows it leaves out).
    cov_type : {"nonrobust", "HC1", "HC3", "cluster"}
        Covariance of the coefficients (see the module docstring).
    groups : array_like, optional
        The cluster of each row; required with ``cov_type="cluster"`` and only then.
    weights : array_like, optional
        Positive weights, ``1 / se**2`` for inverse-variance weighting: WLS.

    Returns
    -------
    statsmodels.regression.linear_model.RegressionResultsWrapper
        Fitted with ``use_t=True``; its ``small_sample`` attribute is a note on few
        events or few clusters (``""`` when none applies).

    Raises
    ------
    SpecificationError
        An unknown ``cov_type``, clusters without ``cluster`` (or the reverse), fewer
        than two clusters, a formula statsmodels cannot evaluate, a regressor that
        does not vary, collinear regressors, no more events than parameters, HC3
        with an event of leverage one, or clusters that leave a coefficient no
        cluster-robust variance (a regressor constant within clusters that singles
        one out).
    """
    if cov_type not in COV_TYPES:
        raise SpecificationError(f"cov_type must be one of {COV_TYPES}, not {cov_type!r}")
    codes = _cluster_codes(cov_type, groups)
    _, variables, _ = formula_variables(formula, frame.columns)
    _check_variation(frame, variables)
    model = _model(formula, frame, weights)
    _check_design(model, cov_type, frame.index)
    kwds = None if codes is None else {"groups": codes}
    result = model.fit(cov_type=cov_type, cov_kwds=kwds, use_t=True)
    if codes is not None:
        _check_cluster_variance(result, codes.max() + 1)
    result.small_sample = _note(int(model.nobs), None if codes is None else codes.max() + 1)
    return result


def _cluster_codes(cov_type: str, groups) -> np.ndarray | None:
    if cov_type != "cluster":
        if groups is not None:
            raise SpecificationError(
                f"clusters are used with cov_type='cluster' only, not {cov_type!r}")
        return None
    if groups is None:
        raise SpecificationError("cov_type='cluster' needs the clusters (cluster_by=)")
    codes = pd.factorize(pd.Series(np.asarray(groups, dtype=object)))[0]
    if codes.max(initial=-1) < 1:
        raise SpecificationError(
            f"cluster-robust standard errors need two clusters or more, not "
            f"{codes.max(initial=-1) + 1}")
    return codes


def _check_variation(frame: pd.DataFrame, variables: list[str]) -> None:
    """A variable with one value would vanish from the design (a category) or make it
    singular: say which, rather than fit without it."""
    for name in variables:
        values = frame[name].drop_duplicates().tolist()
        if len(values) < 2:
            shown = values[0] if values else "no value"
            raise SpecificationError(
                f"{name!r} takes one value ({shown!r}) over the {len(frame)} events used: a "
                "constant regressor; drop it, or use events that differ in it")


def _model(formula: str, frame: pd.DataFrame, weights):
    import statsmodels.formula.api as smf

    try:  # (the formula is evaluated in this function's namespace: np is numpy)
        if weights is None:
            return smf.ols(formula, data=frame, missing="raise")
        return smf.wls(formula, data=frame, weights=np.asarray(weights), missing="raise")
    except Exception as exc:  # patsy's and formulaic's errors have no common base
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SpecificationError(f"the formula {formula!r} cannot be evaluated: {reason}") from exc


def _check_design(model, cov_type: str, rows: pd.Index) -> None:
    x, names = model.exog, list(model.exog_names)
    n, k = x.shape
    if n <= k:
        raise SpecificationError(
            f"{n} events for {k} parameters ({', '.join(names)}): the regression needs more "
            "events than parameters")
    rank = np.linalg.matrix_rank(x)
    if rank < k:
        raise SpecificationError(
            f"the regressors are collinear (rank {rank} for {k} columns: {', '.join(names)}); "
            "drop one")
    if cov_type == "HC3":
        q, _ = np.linalg.qr(x * np.sqrt(model.weights)[:, None])
        leverage = np.einsum("ij,ij->i", q, q)
        if np.any(leverage > 1 - 1e-10):
            raise SpecificationError(
                f"{rows[int(np.argmax(leverage))]} has leverage one (a regressor singles it "
                "out): HC3 is undefined; use cov_type='HC1'")


def _check_cluster_variance(result, clusters: int) -> None:
    """A regressor constant within clusters that singles out one of them leaves its
    coefficients no cluster-robust variance: a standard error of zero, not a result."""
    classical = np.diag(result.normalized_cov_params) * result.scale
    degenerate = np.diag(result.cov_params()) <= 1e-12 * classical
    if degenerate.any():
        names = ", ".join(np.asarray(result.model.exog_names)[degenerate])
        raise SpecificationError(
            f"the cluster-robust variance of {names} is zero with these {clusters} clusters "
            "(a regressor constant within clusters singles out one of them): cluster by "
            "another column, or use cov_type='HC1'")


def _note(n: int, clusters: int | None) -> str:
    parts = []
    if n < SMALL_SAMPLE:
        parts.append(f"{n} events, fewer than {SMALL_SAMPLE}: the regression has little power")
    if clusters is not None and clusters < FEW_CLUSTERS:
        parts.append(f"{clusters} clusters, fewer than {FEW_CLUSTERS}: cluster-robust "
                     f"standard errors are unreliable (t with {clusters - 1} df)")
    return "; ".join(parts)
