# Reference values from R lavaan for robust ML (estimator = "MLR": Huber-White standard errors,
# Yuan-Bentler scaled chi-square, robust CFI/TLI/RMSEA) for tests/reference/test_mlr.py.
# Rerunnable from the repository root:  Rscript tests/reference/r/mlr_reference.R
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})

out <- list(meta = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan"))))
FIT <- c("chisq", "df", "chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor",
         "baseline.chisq", "baseline.chisq.scaled", "baseline.chisq.scaling.factor", "cfi", "tli", "rmsea",
         "cfi.scaled", "tli.scaled", "rmsea.scaled", "cfi.robust", "tli.robust", "rmsea.robust", "srmr", "ntotal",
         "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust")
mlr_ref <- function(data, model, missing = "listwise") {
  fit <- cfa(model, data = data, estimator = "MLR", missing = missing)
  pe <- parameterEstimates(fit, standardized = TRUE)
  list(model = model, missing = missing, n = lavInspect(fit, "nobs"),
       options = lavInspect(fit, "options")[c("information", "h1.information", "observed.information", "meanstructure")],
       params = list(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, est = pe$est, se = pe$se, std_all = pe$std.all),
       fit = as.list(fitMeasures(fit)[intersect(FIT, names(fitMeasures(fit)))]))
}
hs <- read.csv("tests/reference/data/HolzingerSwineford1939.csv")
m_hs <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
bfi <- read.csv("tests/reference/data/bfi.csv")
m_bfi <- "agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5"
synth <- read.csv("tests/reference/data/synth_items.csv")
m_synth <- paste("REFL =~ REFL1 + REFL2 + REFL3 + REFL4 + REFL5",
                 "EXPR =~ EXPR1 + EXPR2 + EXPR3 + EXPR4",
                 "LEID =~ LEID1 + LEID2 + LEID3 + LEID4 + LEID5", sep = "\n")
out$hs <- mlr_ref(hs, m_hs)
out$bfi <- mlr_ref(bfi, m_bfi)
out$synth <- mlr_ref(synth, m_synth)
out$bfi_fiml <- mlr_ref(bfi, m_bfi, missing = "fiml")
synth_missing <- read.csv("tests/reference/data/synth_items_missing.csv")
out$synth_fiml <- mlr_ref(synth_missing, m_synth, missing = "fiml")
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE, na = "null"),
           "tests/reference/r/mlr_reference.json")
