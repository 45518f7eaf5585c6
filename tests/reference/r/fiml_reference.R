# Reference values from R lavaan for CFA with missing answers by full-information ML
# (missing = "fiml"; tests/reference/test_fiml.py). Rerunnable from the repository root:
#   Rscript tests/reference/r/fiml_reference.R
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})

out <- list(meta = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan"))))
FIT <- c("chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "cfi", "tli", "rmsea",
         "rmsea.ci.lower", "rmsea.ci.upper", "srmr", "logl", "unrestricted.logl", "aic", "bic", "npar", "ntotal",
         "cfi.robust", "tli.robust", "rmsea.robust")
fiml_ref <- function(data, model, std.lv = FALSE) {
  fit <- cfa(model, data = data, missing = "fiml", std.lv = std.lv)
  pe <- parameterEstimates(fit, standardized = TRUE)
  h1 <- lavInspect(fit, "sampstat.h1")
  list(model = model, std_lv = std.lv, n = lavInspect(fit, "nobs"),
       params = list(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, est = pe$est, se = pe$se, std_all = pe$std.all),
       fit = as.list(fitMeasures(fit)[FIT]),
       h1_cov = unname(lapply(seq_len(nrow(h1$cov)), function(i) as.numeric(h1$cov[i, ]))),
       h1_mean = as.numeric(h1$mean))
}
bfi <- read.csv("tests/reference/data/bfi.csv")
m_bfi <- "agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5"
synth <- read.csv("tests/reference/data/synth_items_missing.csv")
m_synth <- paste("REFL =~ REFL1 + REFL2 + REFL3 + REFL4 + REFL5",
                 "EXPR =~ EXPR1 + EXPR2 + EXPR3 + EXPR4",
                 "LEID =~ LEID1 + LEID2 + LEID3 + LEID4 + LEID5", sep = "\n")
out$bfi <- fiml_ref(bfi, m_bfi)
out$bfi_listwise_n <- lavInspect(cfa(m_bfi, data = bfi), "nobs")
out$synth_missing <- fiml_ref(synth, m_synth)
out$synth_missing_stdlv <- fiml_ref(synth, m_synth, std.lv = TRUE)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE, na = "null"),
           "tests/reference/r/fiml_reference.json")

# multi-group FIML (bfi by gender), configural and with equal loadings and intercepts
fiml_group_ref <- function(data, model, group, equal = character(0)) {
  fit <- if (length(equal)) cfa(model, data = data, missing = "fiml", group = group, group.equal = equal)
         else cfa(model, data = data, missing = "fiml", group = group)
  pe <- parameterEstimates(fit, standardized = TRUE)
  list(model = model, group = group, equal = I(equal), groups = lavInspect(fit, "group.label"),
       n = as.list(lavInspect(fit, "nobs")),
       params = list(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, group = pe$group, est = pe$est, se = pe$se),
       fit = as.list(fitMeasures(fit)[FIT]))
}
bfi$sex <- ifelse(bfi$gender == 1, "man", "vrouw")
out$bfi_groups <- fiml_group_ref(bfi, m_bfi, "sex")
out$bfi_groups_scalar <- fiml_group_ref(bfi, m_bfi, "sex", c("loadings", "intercepts"))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE, na = "null"),
           "tests/reference/r/fiml_reference.json")
