# Reference values from R lavaan + semTools for multigroup CFA of ordinal items (WLSMV/DWLS, delta
# parameterization) and ordinal measurement invariance with the Wu & Estabrook (2016) steps
# (tests/reference/test_ordinal_invariance.py). Rerunnable from the repository root:
#   Rscript tests/reference/r/ordinal_invariance_reference.R
# Writes tests/reference/data/hs_ordinal.csv (lavaan's HolzingerSwineford1939, x1-x9 cut at their
# quartiles into 4 categories) and tests/reference/r/ordinal_invariance_reference.json.
suppressPackageStartupMessages({library(lavaan); library(semTools); library(jsonlite)})

out <- list(meta = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
                        semTools = as.character(packageVersion("semTools"))))
FIT <- c("chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor",
         "chisq.shift.parameters", "baseline.chisq", "baseline.df", "baseline.chisq.scaled",
         "cfi", "tli", "rmsea", "cfi.scaled", "tli.scaled", "rmsea.scaled", "srmr",
         "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled")

describe <- function(fit) {
  pe <- parameterEstimates(fit)
  fm <- fitMeasures(fit)
  list(n = lavInspect(fit, "nobs"), groups = lavInspect(fit, "group.label"),
       params = list(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, group = pe$group, est = pe$est, se = pe$se),
       fit = as.list(fm[intersect(FIT, names(fm))]))
}

# lavaan's own multigroup defaults: cfa(ordered = TRUE, group = , group.equal = )
multigroup_ref <- function(data, model, group, equal, estimator = "WLSMV", std.lv = FALSE) {
  fit <- cfa(model, data = data, ordered = TRUE, group = group, group.equal = equal,
             estimator = estimator, std.lv = std.lv)
  c(list(model = model, group = group, equal = equal, estimator = estimator, std_lv = std.lv), describe(fit))
}

# Wu & Estabrook (2016) steps as semTools::measEq.syntax builds them, each compared with the previous
# one by lavTestLRT (satorra.2000, scaled.shifted: lavaan's default for WLSMV)
STEPS <- list(configural = "", thresholds = "thresholds", loadings = c("thresholds", "loadings"),
              intercepts = c("thresholds", "loadings", "intercepts"))
invariance_ref <- function(data, model, group) {
  items <- lavNames(model, "ov")
  fits <- lapply(STEPS, function(eq) measEq.syntax(model, data = data, ordered = items, group = group,
                                                     parameterization = "delta", ID.fac = "std.lv",
                                                     ID.cat = "Wu.Estabrook.2016", group.equal = eq,
                                                     return.fit = TRUE))
  steps <- lapply(fits, describe)
  lrt <- list()
  for (k in 2:length(fits)) {
    tab <- lavTestLRT(fits[[k - 1]], fits[[k]])
    lrt[[names(STEPS)[k]]] <- list(chisq_diff = tab[["Chisq diff"]][2], df_diff = tab[["Df diff"]][2],
                                   p = tab[["Pr(>Chisq)"]][2], a = attr(tab, "scale")[2],
                                   b = attr(tab, "shift")[2])
  }
  list(model = model, group = group, steps = steps, lrt = lrt)
}

set.seed(1)
hs <- HolzingerSwineford1939[, c("school", paste0("x", 1:9))]
for (v in paste0("x", 1:9))
  hs[[v]] <- as.integer(cut(hs[[v]], quantile(hs[[v]], c(0, .25, .5, .75, 1)), include.lowest = TRUE))
write.csv(hs, "tests/reference/data/hs_ordinal.csv", row.names = FALSE)
m_hs <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
synth <- read.csv("tests/reference/data/synth_cfa.csv")
m_round <- "REFL =~ REFL1 + REFL2 + REFL3 + REFL4 + REFL5\nLEID =~ LEID1 + LEID2 + LEID3 + LEID4 + LEID5"
m_org <- "REFL =~ REFL1 + REFL2 + REFL3 + REFL4 + REFL5\nEXPR =~ EXPR1 + EXPR2 + EXPR3 + EXPR4"

out$multigroup <- list(
  hs_configural = multigroup_ref(hs, m_hs, "school", ""),
  hs_thresholds = multigroup_ref(hs, m_hs, "school", "thresholds"),
  hs_loadings = multigroup_ref(hs, m_hs, "school", c("thresholds", "loadings")),
  hs_loadings_stdlv = multigroup_ref(hs, m_hs, "school", c("thresholds", "loadings"), std.lv = TRUE),
  hs_dwls = multigroup_ref(hs, m_hs, "school", c("thresholds", "loadings"), estimator = "DWLS"),
  round_loadings = multigroup_ref(synth, m_round, "round", c("thresholds", "loadings"))
)
out$invariance <- list(
  hs_school = invariance_ref(hs, m_hs, "school"),
  synth_round = invariance_ref(synth, m_round, "round"),
  synth_organisation = invariance_ref(synth, m_org, "organisation"),
  # binary items (x1, x2 split at their median category) next to 4-category ones: Wu & Estabrook keep the
  # scale factors of binary items at 1 while their intercepts are free
  hsbinary_school = invariance_ref(transform(hs, x1 = as.integer(x1 > 2), x2 = as.integer(x2 > 2)),
                                   "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6", "school")
)
# an empty category in one group: lavaan refuses (LEID1 has no answer 1 in Oosterlengte)
m_empty <- "LEID =~ LEID1 + LEID2 + LEID3 + LEID4 + LEID5"
out$empty_category <- list(model = m_empty, group = "organisation",
  lavaan_error = tryCatch({cfa(m_empty, synth, ordered = TRUE, group = "organisation",
                               group.equal = "thresholds"); "no error"},
                          error = function(e) conditionMessage(e)))

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE, na = "null"),
           "tests/reference/r/ordinal_invariance_reference.json")
