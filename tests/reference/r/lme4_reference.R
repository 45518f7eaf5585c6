# Reference values from R lme4 for the mixed-model tests (tests of informeel_lib's influence_model and
# its linear-mixed-model engine). Rerunnable: from the repository root run
#   Rscript tests/reference/r/lme4_reference.R
# It writes the public data sets it uses as CSV into tests/reference/data/ and the reference values to
# tests/reference/r/lme4_reference.json. R is only needed to regenerate; the tests read the JSON.
#
# Every case is fitted with lmer's default optimiser and refitted with bobyqa and Nelder-Mead at tight
# tolerances; the fit with the highest (REML) log-likelihood is the reference, and the spread of the
# log-likelihoods across optimisers is stored (lme4 itself warns on some of these models).
suppressPackageStartupMessages({library(lme4); library(multilevel); library(nlme); library(jsonlite)})

data_dir <- "tests/reference/data"
dir.create(data_dir, showWarnings = FALSE, recursive = TRUE)

export <- function(d, name) {
  write.csv(d, file.path(data_dir, paste0(name, ".csv")), row.names = FALSE, na = "")
  d
}

data(bh1996, package = "multilevel")
data(lq2002, package = "multilevel")
data(univbct, package = "multilevel")
sets <- list(
  bh1996 = export(bh1996[, c("GRP", "HRS", "LEAD", "COHES", "WBEING")], "bh1996"),
  lq2002 = export(lq2002[, c("COMPID", "LEAD", "TSIG", "HOSTILE")], "lq2002"),
  univbct = export(univbct[, c("SUBNUM", "COMPANY", "TIME", "JSAT", "COMMIT", "READY", "GENDER")], "univbct"),
  sleepstudy = export(data.frame(lme4::sleepstudy), "sleepstudy"),
  pastes = export(data.frame(lme4::Pastes)[, c("strength", "batch", "cask")], "pastes"),
  dyestuff2 = export(data.frame(lme4::Dyestuff2), "dyestuff2"),
  oats = export(data.frame(Block = as.character(nlme::Oats$Block), Variety = as.character(nlme::Oats$Variety),
                           nitro = nlme::Oats$nitro, yield = nlme::Oats$yield), "oats"),
  orthodont = export(data.frame(distance = nlme::Orthodont$distance, age = nlme::Orthodont$age,
                                Subject = as.character(nlme::Orthodont$Subject),
                                Sex = as.character(nlme::Orthodont$Sex)), "orthodont")
)

# A case describes the model the way influence_model takes it: outcome, predictors, covariates (factors
# get the most frequent level as reference, as influence_model does), within_between (predictors split
# into team mean and deviation), groups = team column or c(organisation, team), one random slope.
case <- function(name, data, outcome, predictors = character(), groups, covariates = character(),
                 within_between = character(), random_slope = NULL, reml = TRUE, standardize = FALSE,
                 engine_only = FALSE, note = "") {
  list(name = name, data = data, outcome = outcome, predictors = predictors, groups = groups,
       covariates = covariates, within_between = within_between, random_slope = random_slope,
       reml = reml, standardize = standardize, engine_only = engine_only, note = note)
}

cases <- list(
  case("bh1996_raw_reml", "bh1996", "WBEING", c("HRS", "LEAD"), "GRP",
       note = "~7400 people in 99 groups, raw predictors"),
  case("bh1996_raw_ml", "bh1996", "WBEING", c("HRS", "LEAD"), "GRP", reml = FALSE),
  case("bh1996_std_reml", "bh1996", "WBEING", c("HRS", "LEAD"), "GRP", standardize = TRUE,
       note = "standardised predictors"),
  case("bh1996_std_cohes", "bh1996", "WBEING", c("HRS", "LEAD", "COHES"), "GRP", standardize = TRUE),
  case("bh1996_within_between", "bh1996", "WBEING", c("HRS", "LEAD"), "GRP", within_between = c("HRS", "LEAD"),
       standardize = TRUE, note = "team means of the predictors take nearly all group variance"),
  case("bh1996_slope", "bh1996", "WBEING", c("HRS", "LEAD"), "GRP", random_slope = "LEAD",
       note = "random slope; lme4's default optimiser warns here"),
  case("lq2002_std", "lq2002", "HOSTILE", c("LEAD", "TSIG"), "COMPID", standardize = TRUE,
       note = "49 companies of 10-99 soldiers"),
  case("univbct_many_small", "univbct", "JSAT", c("TIME", "COMMIT"), "SUBNUM",
       note = "495 people x 3 occasions, missing values"),
  case("univbct_two_level_ml", "univbct", "JSAT", c("TIME", "COMMIT"), c("COMPANY", "SUBNUM"),
       covariates = "GENDER", reml = FALSE, note = "people within 8 companies, numeric covariate"),
  case("univbct_slope", "univbct", "JSAT", c("TIME"), "SUBNUM", random_slope = "TIME"),
  case("sleepstudy_slope_reml", "sleepstudy", "Reaction", "Days", "Subject", random_slope = "Days",
       note = "18 subjects x 10 days"),
  case("sleepstudy_slope_ml", "sleepstudy", "Reaction", "Days", "Subject", random_slope = "Days", reml = FALSE),
  case("sleepstudy_std", "sleepstudy", "Reaction", "Days", "Subject", standardize = TRUE),
  case("oats_two_level", "oats", "yield", "nitro", c("Block", "Variety"),
       note = "6 blocks, 3 varieties within each"),
  case("oats_two_level_slope_std", "oats", "yield", "nitro", c("Block", "Variety"), random_slope = "nitro",
       standardize = TRUE),
  case("orthodont_slope_factor", "orthodont", "distance", "age", "Subject", covariates = "Sex",
       random_slope = "age", note = "factor covariate, random slope"),
  case("pastes_nested", "pastes", "strength", groups = c("batch", "cask"), engine_only = TRUE,
       note = "10 batches, 3 casks within each, no predictors"),
  case("pastes_nested_ml", "pastes", "strength", groups = c("batch", "cask"), reml = FALSE, engine_only = TRUE),
  case("dyestuff2_zero", "dyestuff2", "Yield", groups = "Batch", engine_only = TRUE,
       note = "between-batch variance exactly 0 (singular fit)")
)

model_frame <- function(cs) {
  d <- sets[[cs$data]]
  vars <- unique(c(cs$outcome, cs$predictors, cs$covariates, cs$groups))
  d <- na.omit(d[, vars, drop = FALSE])
  team <- cs$groups[length(cs$groups)]
  d$.team <- if (length(cs$groups) == 2) paste(d[[cs$groups[1]]], d[[team]], sep = " / ") else as.character(d[[team]])
  if (length(cs$groups) == 2) d$.org <- as.character(d[[cs$groups[1]]])
  if (cs$standardize) {
    for (v in c(cs$outcome, cs$predictors)) d[[v]] <- as.numeric(scale(d[[v]]))
    for (v in cs$covariates) if (is.numeric(d[[v]])) d[[v]] <- as.numeric(scale(d[[v]]))
  }
  for (v in cs$covariates) if (!is.numeric(d[[v]])) {
    counts <- sort(table(d[[v]]), decreasing = TRUE)
    ref <- names(counts)[1]
    d[[v]] <- relevel(factor(d[[v]]), ref = ref)
  }
  terms <- character()
  for (p in cs$predictors) {
    if (p %in% cs$within_between) {
      d[[paste0(p, "_between")]] <- ave(d[[p]], d$.team)
      d[[paste0(p, "_within")]] <- d[[p]] - d[[paste0(p, "_between")]]
      terms <- c(terms, paste0(p, "_between"), paste0(p, "_within"))
    } else terms <- c(terms, p)
  }
  list(d = d, terms = c(terms, cs$covariates))
}

random_part <- function(cs, slope = cs$random_slope) {
  team_re <- if (is.null(slope)) "(1 | .team)" else paste0("(1 + ", slope, " | .team)")
  if (length(cs$groups) == 2) paste("(1 | .org) +", team_re) else team_re
}

fit_best <- function(form, d, reml) {
  ctrls <- list(default = lmerControl(),
                bobyqa = lmerControl(optimizer = "bobyqa", optCtrl = list(maxfun = 1e5, rhoend = 1e-12)),
                nelder_mead = lmerControl(optimizer = "Nelder_Mead", optCtrl = list(maxfun = 1e5, FtolAbs = 1e-14,
                                                                                    XtolRel = 1e-12)))
  fits <- lapply(ctrls, function(ct) suppressWarnings(suppressMessages(lmer(form, d, REML = reml, control = ct))))
  ll <- sapply(fits, function(f) as.numeric(logLik(f)))
  warn <- fits$default@optinfo$conv$lme4$messages
  list(fit = fits[[which.max(ll)]], optimiser = names(fits)[which.max(ll)], loglik_spread = max(ll) - min(ll),
       default_warning = if (is.null(warn)) "" else paste(warn, collapse = "; "))
}

# variance components named by role: organisation (outer level), team (inner level), team_slope and
# team_intercept_slope_cov for a random slope, residual
components <- function(fit) {
  vc <- as.data.frame(VarCorr(fit))
  role <- ifelse(vc$grp == ".org", "organisation", ifelse(vc$grp == "Residual", "residual", "team"))
  role[vc$grp == ".team" & !is.na(vc$var1) & vc$var1 != "(Intercept)" & is.na(vc$var2)] <- "team_slope"
  role[vc$grp == ".team" & !is.na(vc$var2)] <- "team_intercept_slope_cov"
  as.list(setNames(vc$vcov, role))
}

term_name <- function(r_name, covariates, d) {
  if (r_name == "(Intercept)") return("Intercept")
  for (v in covariates) if (is.factor(d[[v]]) && startsWith(r_name, v)) {
    return(paste0(v, "=", substring(r_name, nchar(v) + 1)))
  }
  r_name
}

reference <- function(cs) {
  mf <- model_frame(cs)
  d <- mf$d
  rhs <- if (length(mf$terms)) paste(mf$terms, collapse = " + ") else "1"
  form <- as.formula(paste(cs$outcome, "~", rhs, "+", random_part(cs)))
  best <- fit_best(form, d, cs$reml)
  f <- best$fit
  fe <- fixef(f)
  names(fe) <- sapply(names(fe), term_name, covariates = cs$covariates, d = d)
  se <- sqrt(diag(as.matrix(vcov(f))))
  names(se) <- names(fe)
  out <- c(cs, list(formula = paste(deparse(form), collapse = " "), n = nrow(d), n_teams = length(unique(d$.team)),
                    fixef = as.list(fe), se = as.list(se), variance = components(f), sigma2 = sigma(f)^2,
                    loglik = as.numeric(logLik(f)), theta = unname(getME(f, "theta")), singular = isSingular(f),
                    optimiser = best$optimiser, loglik_spread = best$loglik_spread,
                    default_warning = best$default_warning))
  if (!cs$engine_only) {
    empty_form <- as.formula(paste(cs$outcome, "~ 1 +", random_part(cs, slope = NULL)))
    e <- fit_best(empty_form, d, cs$reml)$fit
    out$empty <- list(variance = components(e), loglik = as.numeric(logLik(e)))
  }
  out
}

out <- list(meta = list(R = R.version.string, lme4 = as.character(packageVersion("lme4")),
                        multilevel = as.character(packageVersion("multilevel")),
                        nlme = as.character(packageVersion("nlme")),
                        note = paste("Group key .team is the team column, or 'organisation / team' for two levels;",
                                     "standardised variables are z-scores over the complete cases.")),
            cases = lapply(cases, reference))
names(out$cases) <- sapply(cases, function(cs) cs$name)
write_json(out, "tests/reference/r/lme4_reference.json", auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null")
cat("wrote tests/reference/r/lme4_reference.json with", length(out$cases), "cases\n")
