# Reference values for informeel_lib.analysis.cfa (tests/test_cfa.py, tests/test_invariance.py).
#
# Rerun from the repository root:
#     Rscript tests/reference/r/lavaan_reference.R
# Needs R 4 with lavaan (0.6-14 was used) and jsonlite. Writes
#     tests/reference/data/HolzingerSwineford1939.csv   (lavaan's data set, exported once)
#     tests/reference/r/lavaan_reference.json           (all expected values, digits = 10)
# If tests/reference/data/synth_cfa.csv exists (made by tests/reference/r/make_synth_cfa_data.py),
# the synthetic-data models are fitted too.

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

out_json <- file.path("tests", "reference", "r", "lavaan_reference.json")
hs_csv <- file.path("tests", "reference", "data", "HolzingerSwineford1939.csv")
synth_csv <- file.path("tests", "reference", "data", "synth_cfa.csv")
divergent_csv <- file.path("tests", "reference", "data", "synth_cfa_divergent.csv")

HS <- lavaan::HolzingerSwineford1939
# school is a factor in R; the CSV keeps the labels, lavaan orders groups by first appearance
write.csv(HS, hs_csv, row.names = FALSE, na = "")

export_fit <- function(fit, n_mi = 30L) {
  fm <- fitMeasures(fit, c("npar", "ntotal", "chisq", "df", "pvalue", "cfi", "tli",
                           "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue",
                           "srmr", "aic", "bic", "logl", "baseline.chisq", "baseline.df"))
  pe <- parameterEstimates(fit, standardized = TRUE, remove.nonfree = FALSE)
  if (is.null(pe$group)) pe$group <- 1L
  if (is.null(pe$label)) pe$label <- ""
  pe <- pe[pe$op %in% c("=~", "~~", "~1"),
           c("lhs", "op", "rhs", "group", "label", "est", "se", "z", "pvalue", "std.all")]
  implied <- lavInspect(fit, "implied")
  if (lavInspect(fit, "ngroups") == 1L) implied <- list(implied)
  mi <- tryCatch(modindices(fit, sort. = TRUE), error = function(e) NULL)
  if (!is.null(mi)) {
    if (is.null(mi$group)) mi$group <- 1L
    mi <- head(mi[, c("lhs", "op", "rhs", "group", "mi", "epc", "sepc.all")], n_mi)
  }
  list(
    fit = as.list(unclass(fm)),
    converged = lavInspect(fit, "converged"),
    group_labels = as.list(lavInspect(fit, "group.label")),
    parameters = pe,
    implied_cov = lapply(implied, function(x) unclass(x$cov)),
    implied_mean = lapply(implied, function(x) if (is.null(x$mean)) NULL else as.numeric(x$mean)),
    modindices = mi
  )
}

export_lrt <- function(...) {
  lrt <- lavTestLRT(..., method = "default")  # plain chi2 difference for ML
  data.frame(model = rownames(lrt), df = lrt$Df, chisq = lrt$Chisq,
             delta_chisq = lrt[["Chisq diff"]], delta_df = lrt[["Df diff"]],
             p_delta = lrt[["Pr(>Chisq)"]])
}

hs_model <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"
hs_rescov <- paste(hs_model, "x7 ~~ x8", sep = "\n")
hs_labels <- "
visual  =~ x1 + a*x2 + a*x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"

ref <- list(
  meta = list(lavaan = as.character(packageVersion("lavaan")),
              R = R.version.string,
              hs_model = hs_model, hs_rescov = hs_rescov, hs_labels = hs_labels),
  hs = list()
)

ref$hs$single <- export_fit(cfa(hs_model, data = HS))
ref$hs$std_lv <- export_fit(cfa(hs_model, data = HS, std.lv = TRUE))
ref$hs$rescov <- export_fit(cfa(hs_rescov, data = HS))
ref$hs$labels <- export_fit(cfa(hs_labels, data = HS))

conf <- cfa(hs_model, data = HS, group = "school")
metric <- cfa(hs_model, data = HS, group = "school", group.equal = "loadings")
scalar <- cfa(hs_model, data = HS, group = "school", group.equal = c("loadings", "intercepts"))
strict <- cfa(hs_model, data = HS, group = "school",
              group.equal = c("loadings", "intercepts", "residuals"))
ref$hs$configural <- export_fit(conf)
ref$hs$metric <- export_fit(metric)
ref$hs$scalar <- export_fit(scalar)
ref$hs$strict <- export_fit(strict)
ref$hs$lrt <- export_lrt(conf, metric, scalar, strict)
ref$hs$mg_std_lv <- export_fit(cfa(hs_model, data = HS, group = "school", std.lv = TRUE,
                                   group.equal = "loadings"))

if (file.exists(synth_csv)) {
  SY <- read.csv(synth_csv, stringsAsFactors = FALSE)
  items <- setdiff(names(SY), c("round", "organisation"))
  scales <- unique(sub("[0-9]+$", "", items))
  full_model <- paste(sapply(scales, function(s) {
    paste(s, "=~", paste(items[sub("[0-9]+$", "", items) == s], collapse = " + "))
  }), collapse = "\n")
  synth_model <- paste(c(
    "REFL =~ REFL1 + REFL2 + REFL3 + REFL4 + REFL5",
    "EXPR =~ EXPR1 + EXPR2 + EXPR3 + EXPR4",
    "LEID =~ LEID1 + LEID2 + LEID3 + LEID4 + LEID5",
    "ZICHT =~ ZICHT1 + ZICHT2 + ZICHT3 + ZICHT4"), collapse = "\n")
  first_round <- unique(SY$round)[1]
  one <- SY[SY$round == first_round, ]
  ref$synth <- list(model = synth_model, full_model = full_model, round = first_round)
  ref$synth$single <- export_fit(cfa(synth_model, data = one))
  ref$synth$full <- export_fit(cfa(full_model, data = one), n_mi = 10L)
  s_conf <- cfa(synth_model, data = SY, group = "round")
  s_metric <- cfa(synth_model, data = SY, group = "round", group.equal = "loadings")
  s_scalar <- cfa(synth_model, data = SY, group = "round",
                  group.equal = c("loadings", "intercepts"))
  ref$synth$configural <- export_fit(s_conf)
  ref$synth$metric <- export_fit(s_metric)
  ref$synth$scalar <- export_fit(s_scalar)
  ref$synth$lrt <- export_lrt(s_conf, s_metric, s_scalar)
  # invariance across the six organisations (first round only, small groups)
  o_conf <- cfa(synth_model, data = one, group = "organisation")
  o_metric <- cfa(synth_model, data = one, group = "organisation", group.equal = "loadings")
  o_scalar <- cfa(synth_model, data = one, group = "organisation",
                  group.equal = c("loadings", "intercepts"))
  ref$synth$org_configural <- export_fit(o_conf, n_mi = 5L)
  ref$synth$org_metric <- export_fit(o_metric, n_mi = 5L)
  ref$synth$org_scalar <- export_fit(o_scalar, n_mi = 5L)
  ref$synth$org_lrt <- export_lrt(o_conf, o_metric, o_scalar)
}

# Groups too small for the model (bug report: invariance across organisations in round
# 2021-11): LEID + BIND has no finite ML solution in Zonnehuisgroep Noord (n = 51), so lavaan
# does not converge there, nor in the multi-group models containing that group; in ZINN it
# converges (with a negative residual variance).
if (file.exists(divergent_csv)) {
  DV <- read.csv(divergent_csv, stringsAsFactors = FALSE)
  dv_model <- "LEID =~ LEID1 + LEID2 + LEID3 + LEID4 + LEID5\nBIND =~ BIND1 + BIND2 + BIND3"
  quiet <- function(expr) suppressWarnings(expr)
  converged <- function(fit) lavInspect(fit, "converged")
  zhg <- DV[DV$organisation == "Zonnehuisgroep Noord", ]
  zinn <- DV[DV$organisation == "ZINN", ]
  ref$divergent <- list(
    model = dv_model,
    n = as.list(table(DV$organisation)),
    zhg_converged = converged(quiet(cfa(dv_model, data = zhg))),
    configural_converged = converged(quiet(cfa(dv_model, data = DV, group = "organisation"))),
    metric_converged = converged(quiet(cfa(dv_model, data = DV, group = "organisation",
                                           group.equal = "loadings"))),
    zinn = export_fit(quiet(cfa(dv_model, data = zinn)), n_mi = 5L)
  )
}

writeLines(toJSON(ref, digits = 10, auto_unbox = TRUE, na = "null", null = "null",
                  dataframe = "columns", matrix = "rowmajor", pretty = FALSE),
           out_json)
cat("written:", out_json, "\n")
