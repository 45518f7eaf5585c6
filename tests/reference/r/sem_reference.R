# Reference values for informeel_lib's sem() (tests/unit/test_sem.py).
#
# Rerun from the repository root:
#     Rscript tests/reference/r/sem_reference.R
# Needs R 4 with lavaan (0.6-14 was used) and jsonlite. Writes
#     tests/reference/data/PoliticalDemocracy.csv        (lavaan's data set, exported once)
#     tests/reference/r/sem_reference.json                (all expected values, digits = 10)
# and reads tests/reference/data/synth_sem.csv (made by tests/reference/r/make_synth_sem_data.py).
#
# Per model: lavaan's fitMeasures, parameterEstimates (with := rows, 95% CIs) joined with
# standardizedSolution's est.std (type std.all) and the implied covariance matrices.

suppressPackageStartupMessages({
  library(lavaan)
  library(jsonlite)
})

dir <- file.path("tests", "reference")
out_json <- file.path(dir, "r", "sem_reference.json")
pd_csv <- file.path(dir, "data", "PoliticalDemocracy.csv")
synth_csv <- file.path(dir, "data", "synth_sem.csv")

PD <- lavaan::PoliticalDemocracy
write.csv(PD, pd_csv, row.names = FALSE, na = "")
HS <- lavaan::HolzingerSwineford1939  # tests read tests/reference/data/HolzingerSwineford1939.csv

export_fit <- function(fit) {
  fm <- fitMeasures(fit, c("npar", "ntotal", "chisq", "df", "pvalue", "cfi", "tli",
                           "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue",
                           "srmr", "aic", "bic", "logl", "baseline.chisq", "baseline.df"))
  pe <- parameterEstimates(fit, standardized = TRUE, remove.nonfree = FALSE)
  if (is.null(pe$group)) pe$group <- 1L
  if (is.null(pe$label)) pe$label <- ""
  pe$group[pe$op == ":="] <- 0L
  keep <- c("lhs", "op", "rhs", "group", "label", "est", "se", "z", "pvalue",
            "ci.lower", "ci.upper", "std.all")
  # delta-method intervals of the standardised solution, in parameterEstimates' row order
  ss <- standardizedSolution(fit, type = "std.all", remove.eq = FALSE, remove.ineq = FALSE,
                             remove.def = FALSE)
  if (is.null(ss$group)) ss$group <- 1L
  ss$group[ss$op == ":="] <- 0L
  key <- function(d) paste(d$lhs, d$op, d$rhs, d$group)
  ss <- ss[match(key(pe), key(ss)), ]
  pe$std.se <- ss$se
  pe$std.ci.lower <- ss$ci.lower
  pe$std.ci.upper <- ss$ci.upper
  keep <- c(keep, "std.se", "std.ci.lower", "std.ci.upper")
  implied <- lavInspect(fit, "implied")
  if (lavInspect(fit, "ngroups") == 1L) implied <- list(implied)
  list(
    fit = as.list(unclass(fm)),
    converged = lavInspect(fit, "converged"),
    group_labels = as.list(lavInspect(fit, "group.label")),
    parameters = pe[, keep],
    implied_cov = lapply(implied, function(x) unclass(x$cov)),
    implied_names = lapply(implied, function(x) rownames(x$cov))
  )
}

models <- list()
ref <- list(meta = list(lavaan = as.character(packageVersion("lavaan")), R = R.version.string),
            models = list())

add <- function(name, model, data_name, args = list()) {
  data <- switch(data_name, pd = PD, hs = HS, synth = SYNTH, synth1 = SYNTH1)
  fit <- do.call("sem", c(list(model = model, data = data), args))
  ref$models[[name]] <<- c(list(model = model, data = data_name, args = args), export_fit(fit))
  invisible(fit)
}

# 1. PoliticalDemocracy (lavaan tutorial): equality labels, correlated residuals,
#    an indirect and a total effect of ind60 on dem65 through dem60
pd_model <- "
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + a*y2 + b*y3 + c*y4
dem65 =~ y5 + a*y6 + b*y7 + c*y8
dem60 ~ p1*ind60
dem65 ~ p2*ind60 + p3*dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
indirect := p1*p3
total := p2 + p1*p3
"
add("pd_labels", pd_model, "pd")
add("pd_std_lv", pd_model, "pd", list(std.lv = TRUE))
# the same equality written as a constraint between two labels
pd_equality <- "
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ p1*ind60
dem65 ~ ind60 + p3*dem60
y1 ~~ r1*y5
y3 ~~ r2*y7
r1 == r2
indirect := p1*p3
"
add("pd_equality", pd_equality, "pd")

# 2. Holzinger-Swineford: a mediation between factors with an indirect effect
hs_mediation <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
textual ~ a*visual
speed ~ b*textual + c*visual
indirect := a*b
total := c + a*b
proportion := a*b / (c + a*b)
"
add("hs_mediation", hs_mediation, "hs")

# 3. observed exogenous covariates (fixed.x) and an observed outcome (x9) next to latent ones
hs_covariates <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
visual ~ ageyr + sex
textual ~ a*visual + ageyr
x9 ~ b*textual + visual
indirect := a*b
"
add("hs_covariates", hs_covariates, "hs")

# 4. a path model on observed variables only (fixed.x; residual covariance of the outcomes)
path_model <- "
x4 ~ a*x1 + x2
x7 ~ b*x4 + x1
x9 ~ x2
indirect := a*b
"
add("path_observed", path_model, "hs")

# 5. multigroup: mediation per school, loadings and intercepts equal, group-specific paths
hs_multigroup <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
textual ~ c(a1, a2)*visual
speed ~ c(b1, b2)*textual + visual
ind1 := a1*b1
ind2 := a2*b2
difference := a1*b1 - a2*b2
"
add("hs_multigroup", hs_multigroup, "hs",
    list(group = "school", group.equal = c("loadings", "intercepts")))
add("hs_multigroup_regressions", hs_mediation, "hs",
    list(group = "school", group.equal = c("loadings", "regressions")))

# 6. the synthetic network: the network's outcome questions as a latent path model
if (file.exists(synth_csv)) {
  SYNTH <- read.csv(synth_csv, stringsAsFactors = FALSE)
  SYNTH1 <- SYNTH[SYNTH$round == unique(SYNTH$round)[1], ]
  synth_model <- "
REFL =~ REFL1 + REFL2 + REFL3 + REFL4 + REFL5
LEID =~ LEID1 + LEID2 + LEID3 + LEID4 + LEID5
IWL =~ IWL1 + IWL2 + IWL3 + IWL4 + IWL5 + IWL6
DUUR =~ DUUR1 + DUUR2 + DUUR3 + DUUR4
BIND =~ BIND1 + BIND2 + BIND3
IWL ~ a1*REFL + a2*LEID
DUUR ~ b1*IWL
BIND ~ b2*IWL + c2*LEID
ind_duur_refl := a1*b1
ind_bind_leid := a2*b2
tot_bind_leid := c2 + a2*b2
"
  add("synth", synth_model, "synth1")
  synth_tenure <- "
IWL =~ IWL1 + IWL2 + IWL3 + IWL4 + IWL5 + IWL6
DUUR =~ DUUR1 + DUUR2 + DUUR3 + DUUR4
IWL ~ tenure
DUUR ~ b*IWL + tenure
"
  add("synth_tenure", synth_tenure, "synth1")
  add("synth_rounds", synth_model, "synth", list(group = "round", group.equal = "loadings"))
}

# seeded nonparametric bootstrap of the mediation (percentile CIs, lavaan's default for
# parameterEstimates); our bootstrap draws other samples, so the tests compare loosely
set.seed(2026)
boot <- sem(hs_mediation, data = HS, se = "bootstrap", bootstrap = 1000L)
pe <- parameterEstimates(boot, boot.ci.type = "perc")
ref$bootstrap <- list(model = hs_mediation, draws = 1000L,
                      parameters = pe[pe$op == ":=", c("lhs", "est", "se", "ci.lower", "ci.upper")])

writeLines(toJSON(ref, digits = 10, auto_unbox = TRUE, na = "null", null = "null",
                  dataframe = "columns", matrix = "rowmajor", pretty = FALSE),
           out_json)
cat("written:", out_json, "\n")
