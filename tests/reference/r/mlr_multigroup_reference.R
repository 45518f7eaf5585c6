# Reference values from R lavaan for multi-group robust ML (estimator = "MLR"): configural, metric and
# scalar models on HolzingerSwineford1939 by school, complete (listwise) and with planted missing
# answers (missing = "fiml"), the scaled chi-square difference tests of lavTestLRT
# (Satorra-Bentler 2001 for MLR) and the scaled and robust CFI/TLI/RMSEA
# (tests/reference/test_mlr_multigroup.py). Rerunnable from the repository root:
#   Rscript tests/reference/r/mlr_multigroup_reference.R
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})

out <- list(meta = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan"))))
FIT <- c("chisq", "df", "chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor",
         "baseline.chisq", "baseline.chisq.scaled", "baseline.chisq.scaling.factor", "cfi", "tli", "rmsea",
         "cfi.scaled", "tli.scaled", "rmsea.scaled", "cfi.robust", "tli.robust", "rmsea.robust", "srmr",
         "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust",
         "ntotal")
LEVELS <- list(configural = character(0), metric = "loadings", scalar = c("loadings", "intercepts"))
model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"

hs <- read.csv("tests/reference/data/HolzingerSwineford1939.csv")
# planted missing answers: 12% of the item answers, completely at random (every row keeps >= 1 answer)
set.seed(14)
hs_missing <- hs[, c("id", "school", paste0("x", 1:9))]
for (v in paste0("x", 1:9)) hs_missing[runif(nrow(hs)) < 0.12, v] <- NA
write.csv(hs_missing, "tests/reference/data/hs_missing.csv", row.names = FALSE, na = "")

fit_level <- function(data, equal, missing) {
  if (length(equal)) cfa(model, data = data, group = "school", group.equal = equal, estimator = "MLR",
                         missing = missing)
  else cfa(model, data = data, group = "school", estimator = "MLR", missing = missing)
}
describe <- function(fit) {
  pe <- parameterEstimates(fit)
  fm <- fitMeasures(fit)
  list(groups = lavInspect(fit, "group.label"), n = as.list(lavInspect(fit, "nobs")),
       params = list(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, group = pe$group, est = pe$est, se = pe$se),
       fit = as.list(fm[intersect(FIT, names(fm))]))
}
lrt <- function(fits) {
  tab <- do.call(lavTestLRT, unname(fits))
  list(method = attr(tab, "heading"), chisq_diff = tab[["Chisq diff"]], df_diff = tab[["Df diff"]],
       p = tab[["Pr(>Chisq)"]])
}
for (case in list(list(key = "listwise", data = hs, missing = "listwise"),
                  list(key = "fiml", data = hs_missing, missing = "fiml"))) {
  fits <- lapply(LEVELS, function(eq) fit_level(case$data, eq, case$missing))
  out[[case$key]] <- list(model = model, missing = case$missing, levels = lapply(fits, describe),
                          lrt = lrt(fits))
}
# single group with missing answers: robust indices by Savalei's FIML correction
single <- cfa(model, data = hs_missing, estimator = "MLR", missing = "fiml")
out$single_fiml <- c(list(model = model), describe(single))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE, na = "null"),
           "tests/reference/r/mlr_multigroup_reference.json")
