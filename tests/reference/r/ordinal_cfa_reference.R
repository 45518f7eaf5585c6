# Reference values from R lavaan for CFA of ordinal items: WLSMV (DWLS estimates, robust SEs,
# scaled-shifted test) and DWLS, delta and theta parameterization
# (tests/reference/test_ordinal_cfa.py). Rerunnable from the repository root:
#   Rscript tests/reference/r/ordinal_cfa_reference.R
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})

out <- list(meta = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan"))))
mat <- function(m) unname(lapply(seq_len(nrow(m)), function(i) as.numeric(m[i, ])))
FIT <- c("chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor",
         "chisq.shift.parameters", "baseline.chisq", "baseline.df", "baseline.chisq.scaled",
         "baseline.df.scaled", "cfi", "tli", "rmsea", "cfi.scaled", "tli.scaled", "rmsea.scaled",
         "cfi.robust", "tli.robust", "rmsea.robust", "srmr", "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled")

ordinal_ref <- function(data, model, estimator = "WLSMV", parameterization = "delta", std.lv = FALSE,
                        with_gamma = FALSE) {
  fit <- cfa(model, data = data, ordered = TRUE, estimator = estimator,
             parameterization = parameterization, std.lv = std.lv)
  pe <- parameterEstimates(fit, standardized = TRUE)
  fm <- fitMeasures(fit)
  ss <- lavInspect(fit, "sampstat")
  list(model = model, estimator = estimator, parameterization = parameterization, std_lv = std.lv,
       n = lavInspect(fit, "nobs"), items = lavNames(fit, "ov"),
       params = list(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, est = pe$est, se = pe$se, std_all = pe$std.all),
       fit = as.list(fm[intersect(FIT, names(fm))]),
       sample_cor = mat(ss$cov), sample_th = as.numeric(ss$th),
       gamma_diag = as.numeric(diag(lavInspect(fit, "gamma"))),
       gamma = if (with_gamma) mat(lavInspect(fit, "gamma")) else NULL)
}

synth <- read.csv("tests/reference/data/synth_items.csv")
m_synth <- paste("REFL =~ REFL1 + REFL2 + REFL3 + REFL4 + REFL5",
                 "EXPR =~ EXPR1 + EXPR2 + EXPR3 + EXPR4",
                 "LEID =~ LEID1 + LEID2 + LEID3 + LEID4 + LEID5", sep = "\n")
bfi <- read.csv("tests/reference/data/bfi.csv")
m_bfi <- "agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5"
ability <- read.csv("tests/reference/data/ability.csv")
m_ability <- paste("reason =~ reason.4 + reason.16 + reason.17 + reason.19",
                   "letter =~ letter.7 + letter.33 + letter.34 + letter.58",
                   "matrix =~ matrix.45 + matrix.46 + matrix.47 + matrix.55", sep = "\n")

out$synth_wlsmv <- ordinal_ref(synth, m_synth, with_gamma = TRUE)
out$synth_dwls <- ordinal_ref(synth, m_synth, estimator = "DWLS")
out$synth_theta <- ordinal_ref(synth, m_synth, parameterization = "theta")
out$synth_stdlv <- ordinal_ref(synth, m_synth, std.lv = TRUE)
out$bfi_wlsmv <- ordinal_ref(bfi, m_bfi)
out$ability_wlsmv <- ordinal_ref(ability, m_ability)
out$synth_rescov <- ordinal_ref(synth, paste(m_synth, "REFL1 ~~ REFL2", sep = "\n"))

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE, na = "null"),
           "tests/reference/r/ordinal_cfa_reference.json")
